package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/**
 * SQLite runs WAL with synchronous=NORMAL; {@code sync()} (what fsync calls) makes one commit with synchronous=FULL,
 * which syncs the WAL and with it every earlier commit, instead of a checkpoint: the commits stay in the WAL, the
 * writer goes back to NORMAL, and concurrent syncs all return.
 */
class SqliteSyncTest {
  @TempDir Path dir;
  final Instant now = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void sync_isACommitUnderFullSync_thatLeavesTheCommitsInTheWal_andTheWriterAtNormal() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path copy = dir.resolve("copy").resolve("metadata.db");
    try (MetadataStore s = TestBackends.sqlite(file)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null));
      s.create(InodeId.ROOT, Name.of("kept"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null));
      s.sync();
      Transactor tx = ((SqlMetadataStore) s).transactor();
      Object mode = tx.write("probe", db -> db.fetchValue("PRAGMA synchronous"));
      assertThat(((Number) mode).intValue()).as("1 = NORMAL")
          .isEqualTo(1);
      Object row = tx.read("probe", db -> db.fetchValue("SELECT n FROM sync_mark WHERE k = 1"));
      assertThat(row)
          .as("the sync commit's row").isNotNull();
      assertThat(Files.size(Path.of(file + "-wal"))).as("no checkpoint emptied the WAL").isPositive();
      // What a power loss leaves after the WAL was synced: the database file and its WAL.
      Files.createDirectories(copy.getParent());
      Files.copy(file, copy);
      Files.copy(Path.of(file + "-wal"), Path.of(copy + "-wal"));
    }
    try (MetadataStore s = TestBackends.sqlite(copy)) {
      assertThat(s.lookup(InodeId.ROOT, Name.of("kept"))).isPresent();
    }
  }

  @Test
  void aSyncWithNoWriteSinceTheLastOne_syncsNothing_andTheNextWriteIsSyncedAgain() throws Exception {
    try (MetadataStore s = TestBackends.sqlite(dir.resolve("metadata.db"))) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null));
      Transactor tx = ((SqlMetadataStore) s).transactor();
      s.create(InodeId.ROOT, Name.of("a"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null));
      s.sync(); // request 1: written under FULL
      assertThat(syncMark(tx)).isEqualTo(1);
      s.sync(); // request 2: nothing written since
      s.sync();
      assertThat(syncMark(tx)).as("no sync commit for syncs with nothing new").isEqualTo(1);
      s.create(InodeId.ROOT, Name.of("b"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null));
      s.sync(); // request 4
      assertThat(syncMark(tx)).as("a write since: synced").isEqualTo(4);
    }
  }

  private static long syncMark(Transactor tx) throws Exception {
    return ((Number) tx.read("probe", db -> db.fetchValue("SELECT n FROM sync_mark WHERE k = 1"))).longValue();
  }

  @Test
  void concurrentSyncs_allReturn() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try (MetadataStore s = TestBackends.sqlite(dir.resolve("metadata.db"))) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null));
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        int n = i;
        done.add(pool.submit(() -> {
          s.create(InodeId.ROOT, Name.of("f" + n), new NewInode(InodeType.FILE, 0644, 0, 0, 0, now, null));
          s.sync();
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertThat(s.readDir(InodeId.ROOT, 0, 100)).hasSize(64);
    } finally {
      pool.shutdownNow();
    }
  }
}
