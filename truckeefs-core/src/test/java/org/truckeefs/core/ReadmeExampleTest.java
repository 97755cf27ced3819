package org.truckeefs.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;

/** The embedding example of the top-level README, kept compiling and true. */
class ReadmeExampleTest {
  @Test
  void embeddingExample_writesAndReadsAFile(@TempDir Path dir) throws Exception {
    // Core's tests have no SQL module on the classpath, so in-memory metadata is asked for by name here (without
    // it fromSettings fails naming truckeefs-sql); with truckeefs-sql present data_dir alone gives an SQLite file.
    Map<String, String> settings = Map.of("data_dir", dir.toString(), "metadata_uri", "memory:");
    try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(settings))) {
      PathFileSystem paths = new PathFileSystem(fs);
      paths.write("/hello.txt", "hi".getBytes(UTF_8));
      assertThat(new String(paths.readAllBytes("/hello.txt"), UTF_8)).isEqualTo("hi");
      assertThat(paths.stat("/hello.txt").size()).isEqualTo(2);
    }
  }
}
