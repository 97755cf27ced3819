package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.PathFileSystem;

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

  @Test
  void uploadsRunAtTheNormalPriority_whileDaemonsRunAtNice(@TempDir Path dir) throws Exception {
    Map<String, String> settings = Map.of("data_dir", dir.toString(), "metadata_uri", "memory:", "nice", "19",
        "chunk_size", "64k");
    try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(settings))) {
      PathFileSystem paths = new PathFileSystem(fs);
      paths.write("/f", new byte[100 << 10]); // two chunks: a drain puts a single chunk itself, two go to the put pool
      fs.syncAll(); // the upload and put pools have run a task, so their threads exist
      // a daemon thread renices itself when it starts, in a short process of its own: wait for that, not a time
      Awaitility.await("a daemon thread at nice 19").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
          .until(() -> Integer.valueOf(19).equals(threadNiceByNamePrefix().get("truckeefs-daem")));
      Map<String, Integer> nice = threadNiceByNamePrefix();
      // the uploads keep the JVM's own priority (a build run under nice starts above 0), the daemons go to 19
      int base = processNice();
      assertThat(nice).containsEntry("truckeefs-uplo", base).containsEntry("truckeefs-put-", base)
          .containsEntry("truckeefs-daem", 19);
    }
  }

  /** The nice value the JVM started with (its main thread's). */
  private static int processNice() throws Exception {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
  }

  /** The nice value of this JVM's threads, keyed by the first 14 characters of their kernel name (comm). */
  private static Map<String, Integer> threadNiceByNamePrefix() throws Exception {
    Map<String, Integer> out = new HashMap<>();
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        String comm;
        String stat;
        try {
          comm = Files.readString(t.resolve("comm")).strip();
          stat = Files.readString(t.resolve("stat"));
        } catch (java.io.IOException ended) {
          continue;
        }
        if (comm.length() >= 14 && comm.startsWith("truckeefs-")) {
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          out.put(comm.substring(0, 14), Integer.parseInt(f[16]));
        }
      }
    }
    return out;
  }
}
