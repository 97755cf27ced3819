package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BackgroundPriorityTest {
  @Test
  void aWrappedThread_runsAtTheNiceValue_andOthersKeepTheirs() throws Exception {
    AtomicInteger seen = new AtomicInteger(-1000);
    Thread t = new Thread(BackgroundPriority.wrap(7, () -> seen.set(BackgroundPriority.current())));
    t.start();
    t.join();
    assertThat(seen.get()).isEqualTo(7);
    assertThat(BackgroundPriority.current()).as("the calling thread is untouched").isNotEqualTo(7);
  }

  @Test
  void fromSettings_defaultsToTheSeeds19_andABuilderLeavesThePriorityAlone() throws Exception {
    assertThat(RiverFsConfig.fromSettings(java.util.Map.of("data_dir", "/x", "metadata_uri", "memory:"))
        .backgroundNice()).isEqualTo(19);
    assertThat(RiverFsConfig.builder().dataDir(java.nio.file.Path.of("/x")).build().backgroundNice()).isZero();
  }
}
