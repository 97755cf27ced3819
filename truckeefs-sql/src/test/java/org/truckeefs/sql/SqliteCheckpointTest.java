package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
 * SQLite's automatic checkpoint mark: the writer has that off, yet the WAL stays bounded during a long write loop
 * because it starts over after each round, a WAL a reader kept from starting over is truncated once the reader is
 * gone, and every write is still there after a reopen.
 */
class SqliteCheckpointTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  private static final int FILES = 4_000;
  /** The fewest checkpoint rounds the steady writer must see complete (there are dozens in 4,000 creates). */
  private static final int ROUNDS = 3;
  /** However slow the checkpointer's fsyncs: rounds take milliseconds, a few seconds on a loaded machine. */
  private static final Duration ROUNDS_WITHIN = Duration.ofSeconds(60);

  @TempDir Path dir;

  /** Every write commits at once (no write-behind batch): the checkpointer's rounds race a writer's commits. */
  private SqlMetadataStore open(Path file, int truncateAboveFrames) throws FsException {
    return SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(), TestBackends.context(dir), 32,
        Duration.ofMillis(20), truncateAboveFrames, SqliteWriter.WINDOW, 1);
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

  /**
   * The WAL starts over after each round: a steady writer (each create right after the last) runs while the
   * checkpointer's rounds come and go, and whenever one completed between two creates, the WAL started over by the
   * end of the create after them. How far the WAL grows between rounds is not asserted: the writer never waits for
   * the checkpointer (that is the point), so that depends on how long the checkpointer's fsyncs take, which on a
   * loaded machine can be seconds (41 MiB of WAL once in CI). Without the round's second step the WAL would not
   * start over at all and grow past 100 MiB here (about 7 pages a create); that is what this test catches.
   */
  @Test
  void theWriterDoesNotCheckpoint_theWalStartsOverAfterEachRound_andNothingIsLost() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    InodeId parent;
    int files = 0;
    // No TRUNCATE (its threshold is out of reach): the WAL stays bounded because it starts over.
    try (SqlMetadataStore s = open(file, Integer.MAX_VALUE)) {
      Transactor tx = s.transactor();
      Object auto = tx.write("probe", db -> db.fetchValue("PRAGMA wal_autocheckpoint"));
      assertThat(((Number) auto).intValue()).as("the writer's automatic checkpoint").isZero();
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      SqliteCheckpointer c = tx.checkpointer();
      parent = s.create(InodeId.ROOT, Name.of("d"), new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null)).id();
      int roundsChecked = 0;
      long deadline = System.nanoTime() + ROUNDS_WITHIN.toNanos();
      try (FileChannel walFile = FileChannel.open(wal)) {
        // Read before each create: the rounds completed so far, and the WAL's salt. A round that completed between
        // the reads before creates i-2 and i-1 held the writers while it copied the whole WAL, before create i-2
        // began or after it ended: create i-2 or i-1 was the first write after it and started the WAL over.
        long rounds2 = 0;
        long rounds1 = 0;
        int salt2 = 0;
        int salt1 = 0;
        for (int i = 0; ; i++) {
          long rounds = completedRounds(c);
          int salt = walSalt(walFile);
          if (i >= 2 && rounds1 > rounds2) {
            assertThat(salt).as("the WAL's salt after create %d (a round completed between the reads before creates"
                + " %d and %d)", i - 1, i - 2, i - 1).isNotEqualTo(salt2);
            roundsChecked++;
          }
          if (i >= FILES && roundsChecked >= ROUNDS) {
            files = i;
            break;
          }
          assertThat(System.nanoTime() - deadline).as("%d rounds seen in %s of creates", roundsChecked,
              ROUNDS_WITHIN).isNegative();
          s.create(parent, Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
          rounds2 = rounds1;
          rounds1 = rounds;
          salt2 = salt1;
          salt1 = salt;
        }
      }
      assertThat(c.truncations()).isZero();
      // Once the writes stop, a round copies the whole WAL into the database file.
      s.create(parent, Name.of("last"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
      long before = c.checkpoints();
      await().atMost(Duration.ofSeconds(30)).until(() -> c.checkpoints() > before);
    }
    try (MetadataStore s = TestBackends.sqlite(file)) {
      assertThat(s.readDir(parent, 0, files + 10)).hasSize(files + 1);
    }
  }

  /** Rounds that completed their second step (the writers held while the whole WAL was copied). */
  private static long completedRounds(SqliteCheckpointer c) {
    return c.restartSteps();
  }

  /**
   * The WAL header's salt-1, which SQLite changes each time the WAL starts over from its beginning (it increments it
   * in the header the first write after the reset writes; https://www.sqlite.org/fileformat2.html#walformat).
   * Only the test's own creates write, so the header does not change under this read.
   */
  private static int walSalt(FileChannel wal) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4);
    while (b.hasRemaining() && wal.read(b, 16 + b.position()) >= 0) {
      // a short read of a regular file: read the rest
    }
    return b.getInt(0);
  }

  /**
   * A busy write-behind writer always has a transaction open when a round comes: a round that found the WAL long
   * commits that transaction before its second step, so that the next one begins on a WAL copied whole and starts
   * it over, long before the TRUNCATE bound. Here each commit (a scan commits what is uncommitted) is followed at
   * once by a write that opens the next transaction, and no timer commits (a window of an hour); without the round's
   * commit the WAL never started over and grew until the TRUNCATE, which the open transaction kept waiting.
   */
  @Test
  void aTransactionKeptOpenAcrossRounds_isCommittedByTheRound_andTheWalStartsOverBeforeTheTruncateBound()
      throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    int truncateAbove = 600; // so the round commits and restarts at 300 pages
    try (SqlMetadataStore s = SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(),
        TestBackends.context(dir), Integer.MAX_VALUE, Duration.ofMillis(20), truncateAbove, Duration.ofHours(1),
        1_000_000)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      Transactor tx = s.transactor();
      SqliteCheckpointer c = tx.checkpointer();
      InodeId parent = s.create(InodeId.ROOT, Name.of("d"), new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T,
          null)).id();
      tx.scan("commit", db -> null);
      java.util.Set<Integer> salts = new java.util.HashSet<>();
      try (FileChannel w = FileChannel.open(wal)) {
        long deadline = System.nanoTime() + ROUNDS_WITHIN.toNanos();
        for (int i = 0; salts.size() < 4; i++) {
          assertThat(System.nanoTime() - deadline).as("WAL restarts seen: %s after %d commits", salts, i)
              .isNegative();
          assertThat(Files.size(wal)).as("the WAL's length after %d commits", i)
              .isLessThan(truncateAbove * 4096L);
          // one commit with a transaction opened right after it, left open until a round has run (rounds come
          // every 20 ms, when there was a commit); the first write joins the open transaction, or opens one if the
          // last round committed it, so that there is always a commit
          long rounds = c.checkpoints();
          s.create(parent, Name.of("a" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
          tx.scan("commit", db -> null);
          s.create(parent, Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
          await().pollInterval(Duration.ofMillis(5)).atMost(ROUNDS_WITHIN).until(() -> c.checkpoints() > rounds);
          salts.add(walSalt(w));
        }
      }
      assertThat(c.truncations()).isZero();
      assertThat(c.restartSteps()).isPositive();
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

  /**
   * With write-behind (a transaction open across writes, committed every 2 ms here) the WAL still starts over after
   * the checkpointer's rounds, so it stays bounded without TRUNCATE (its threshold is out of reach): the WAL
   * header's salt, which changes at each restart, is seen to change.
   */
  @Test
  void withWriteBehind_theWalStillStartsOver() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    try (SqlMetadataStore s = SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(),
        TestBackends.context(dir), 32, Duration.ofMillis(20), Integer.MAX_VALUE, Duration.ofMillis(2), 4096)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      s.sync();
      InodeId parent = s.create(InodeId.ROOT, Name.of("d"), new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T,
          null)).id();
      java.util.Set<Integer> salts = new java.util.HashSet<>();
      long deadline = System.nanoTime() + ROUNDS_WITHIN.toNanos();
      try (FileChannel w = FileChannel.open(wal)) {
        for (int i = 0; salts.size() < 4; i++) {
          assertThat(System.nanoTime() - deadline).as("WAL restarts seen: %s after %d creates", salts, i)
              .isNegative();
          s.create(parent, Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null));
          salts.add(walSalt(w));
        }
      }
    }
  }
}
