package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * A real crash of the process (SIGKILL) while every write since the root is uncommitted: the next open replays them
 * from the redo log. The child prints a line after each write returned; every name it printed must be there.
 */
class SqliteWriterKillNineTest {
  @TempDir Path dir;

  /** The child: opens the store with a window no test outlives, creates files until killed. */
  public static void main(String[] args) throws Exception {
    Path file = Path.of(args[0]);
    SqlMetadataStore s = SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(),
        TestBackends.context(file.getParent()), SqliteCheckpointer.PASSIVE_AFTER_WRITES, SqliteCheckpointer.PERIOD,
        SqliteCheckpointer.TRUNCATE_ABOVE_FRAMES, Duration.ofHours(1), Integer.MAX_VALUE);
    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null));
    s.sync();
    for (int i = 0; ; i++) {
      s.create(InodeId.ROOT, Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null));
      System.out.println("created f" + i);
      System.out.flush();
    }
  }

  @Test
  void everyWriteThatReturnedBeforeSigkill_isThereAfterReplay() throws Exception {
    Path file = dir.resolve("metadata.db");
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(List.of(javaBin, "-cp", System.getProperty("java.class.path"),
        SqliteWriterKillNineTest.class.getName(), file.toString()))
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      int created = 0;
      while (created < 2_000) {
        String line = out.readLine();
        assertThat(line).as("the child's output (it died?)").isNotNull();
        if (line.equals("created f" + created)) { // not its log lines
          created++;
        }
      }
      child.destroyForcibly(); // SIGKILL: no close, no commit
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      child.destroyForcibly();
    }
    assertThat(SqliteWriteBehindTest.committedEntries(file)).as("nothing committed before the kill").isZero();
    try (MetadataStore s = TestBackends.sqlite(file)) {
      List<String> missing = new java.util.ArrayList<>();
      for (int i = 0; i < 2_000; i++) {
        if (s.lookup(InodeId.ROOT, Name.of("f" + i)).isEmpty()) {
          missing.add("f" + i);
        }
      }
      assertThat(missing).as("names the child printed, missing after the replay").isEmpty();
    }
  }
}
