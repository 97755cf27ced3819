package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * The WAL is checkpointed by a thread of its own ({@link SqliteCheckpointer}), not by the commit that crosses
 * SQLite's automatic checkpoint mark: the writer has that off, yet a long write loop keeps the WAL bounded (the WAL
 * starts over after each round), a WAL a reader kept from starting over is truncated once the reader is gone, and
 * every write is still there after a reopen.
 */
class SqliteCheckpointTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final int FILES = 4_000;
  /** Far below what 4,000 creates leave in a WAL nobody checkpoints (over 100 MiB: about 7 pages each). */
  private static final long BOUND = 24L << 20;

  @TempDir Path dir;

  private SqlMetadataStore open(Path file, int truncateAboveFrames) throws FsException {
    return SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(), TestBackends.context(dir), 32,
        Duration.ofMillis(20), truncateAboveFrames);
  }

  private static InodeId createMany(MetadataStore s, String prefix, int n, Path wal, long[] largest)
      throws Exception {
    InodeId parent = s.create(InodeId.ROOT, Name.of(prefix), new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T,
        null)).id();
    for (int i = 0; i < n; i++) {
      s.create(parent, Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
      if (i % 100 == 0) {
        largest[0] = Math.max(largest[0], Files.size(wal));
      }
    }
    largest[0] = Math.max(largest[0], Files.size(wal));
    return parent;
  }

  @Test
  void theWriterDoesNotCheckpoint_theWalStartsOverAfterEachRound_andNothingIsLost() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    long[] largest = {0};
    InodeId parent;
    // No TRUNCATE (its threshold is out of reach): the WAL stays bounded because it starts over.
    try (SqlMetadataStore s = open(file, Integer.MAX_VALUE)) {
      Transactor tx = s.transactor();
      Object auto = tx.write("probe", db -> db.fetchValue("PRAGMA wal_autocheckpoint"));
      assertThat(((Number) auto).intValue()).as("the writer's automatic checkpoint").isZero();
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      parent = createMany(s, "d", FILES, wal, largest);
      assertThat(largest[0]).as("the largest WAL seen during %d creates", FILES).isLessThan(BOUND);
      SqliteCheckpointer c = tx.checkpointer();
      assertThat(c.checkpoints()).isPositive();
      assertThat(c.truncations()).isZero();
      // Once the writes stop, a round copies the whole WAL into the database file.
      s.create(parent, Name.of("last"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
      long before = c.checkpoints();
      await().atMost(Duration.ofSeconds(30)).until(() -> c.checkpoints() > before);
    }
    try (MetadataStore s = TestBackends.sqlite(file)) {
      assertThat(s.readDir(parent, 0, FILES + 10)).hasSize(FILES + 1);
    }
  }

  @Test
  void aWalAReaderKeptFromStartingOver_isTruncatedOnceTheReaderIsDone() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    long[] largest = {0};
    try (SqlMetadataStore s = open(file, 1_000)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      SqliteCheckpointer c = s.transactor().checkpointer();
      try (Connection reader = DriverManager.getConnection("jdbc:sqlite:" + file);
          Statement st = reader.createStatement()) {
        // An open read transaction pins its snapshot: no checkpoint may copy past it, the WAL cannot start over.
        st.execute("BEGIN");
        try (ResultSet r = st.executeQuery("SELECT count(*) FROM inode")) {
          r.next();
        }
        createMany(s, "d", 1_000, wal, largest);
        assertThat(Files.size(wal)).as("a WAL the reader pins").isGreaterThan(1_000L * 4096);
        st.execute("COMMIT");
      }
      s.create(InodeId.ROOT, Name.of("after"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
      await().atMost(Duration.ofSeconds(30)).until(() -> c.truncations() > 0);
      assertThat(Files.size(wal)).as("the WAL after its TRUNCATE checkpoint").isLessThan(1_000L * 4096);
    }
  }

  @Test
  void syncStillMakesEveryCommitDurable_acrossCheckpointsAndWalRestarts() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    Path copy = dir.resolve("copy").resolve("metadata.db");
    long[] largest = {0};
    InodeId parent;
    try (SqlMetadataStore s = open(file, Integer.MAX_VALUE)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      parent = createMany(s, "d", 2_000, wal, largest);
      SqliteCheckpointer c = s.transactor().checkpointer();
      assertThat(c.checkpoints()).as("checkpoints (and WAL restarts) during the creates").isPositive();
      s.sync();
      // What a power loss leaves once sync() returned: the database file and its WAL as they are on disk (no write
      // runs now, so the WAL cannot start over between the two copies).
      Files.createDirectories(copy.getParent());
      Files.copy(file, copy);
      Files.copy(wal, Path.of(copy + "-wal"));
    }
    try (MetadataStore s = TestBackends.sqlite(copy)) {
      assertThat(s.readDir(parent, 0, 3_000)).hasSize(2_000);
    }
  }
}
