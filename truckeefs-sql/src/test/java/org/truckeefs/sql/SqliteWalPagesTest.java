package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.NewInode;

/**
 * What each kind of write transaction adds to the WAL, read from the WAL's frame headers and mapped to tables and
 * indexes with dbstat: every page is two pwrites at COMMIT and a page copy at the next checkpoint. Guards the
 * partial indexes of migration V4: a create or a content commit touches neither sweep index. The budgets are what
 * SQLite 3.54 writes (create 5.5 pages, content commit 4.1, unlink with purge 7.2), with a little room.
 */
class SqliteWalPagesTest {
  private static final java.util.Map<String, Double> BUDGET = java.util.Map.of("create", 6.0, "commit", 4.5,
      "unlink", 8.0);
  static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
  @TempDir Path dir;

  static java.util.Map<String, Integer> report(SqlMetadataStore s, Path wal, String name, long from, int n) throws Exception {
    java.util.Map<Long, String> owner = new java.util.HashMap<>();
    s.transactor().read("dbstat", db -> {
      for (var r : db.fetch("SELECT name, pageno FROM dbstat")) {
        owner.put(((Number) r.get(1)).longValue(), (String) r.get(0));
      }
      return null;
    });
    byte[] all = Files.readAllBytes(wal);
    java.util.TreeMap<String, Integer> count = new java.util.TreeMap<>();
    // Frames follow the 32-byte header back to back: a 24-byte frame header (page number first), then the page.
    for (long off = from; off + 24 <= all.length; off += 4096 + 24) {
      long pg = java.nio.ByteBuffer.wrap(all, (int) off, 4).getInt() & 0xffffffffL;
      // "?": a page freed since (a purge's), now on the freelist
      count.merge(owner.getOrDefault(pg, "?"), 1, Integer::sum);
    }
    double f = 4096 + 24;
    double perOp = (all.length - from) / f / n;
    System.out.printf("%s: %.2f WAL pages per transaction: %s%n", name, perOp, count);
    assertThat(perOp).as("WAL pages per %s", name).isLessThan(BUDGET.get(name));
    return count;
  }

  @Test
  void createsCommitsAndUnlinksWriteTheirPagesAndNoMore() throws Exception {
    Path file = dir.resolve("metadata.db");
    Path wal = Path.of(file + "-wal");
    try (SqlMetadataStore s = SqlStores.openSqlite(URI.create("sqlite:" + file), BackendConfig.empty(),
        TestBackends.context(dir), Integer.MAX_VALUE, Duration.ofHours(1), Integer.MAX_VALUE)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null));
      InodeId d = s.create(InodeId.ROOT, Name.of("d"), new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, T, null)).id();
      // No checkpoint (thresholds out of reach), so the WAL holds every page written; 1,000 files first, so that
      // the tables are past their first pages.
      InodeId[] ids = new InodeId[3000];
      for (int i = 0; i < 1000; i++) {
        ids[i] = s.create(d, Name.of("pre" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null)).id();
      }
      int n = 500;
      long w0 = Files.size(wal);
      for (int i = 0; i < n; i++) {
        ids[1000 + i] = s.create(d, Name.of("f" + i), new NewInode(InodeType.FILE, 0644, 0, 0, 0, T, null)).id();
      }
      assertThat(report(s, wal, "create", w0, n)).doesNotContainKeys("inode_by_nlink", "blob_by_unreferenced");
      w0 = Files.size(wal);
      for (int i = 0; i < n; i++) {
        s.commitContent(new ContentCommit(ids[1000 + i], 0, 100, List.of(new ChunkRef(0, BlobRef.of("blob-" + i), 100)),
            1, T, 0, new CommitMark("host", i + 1)));
      }
      assertThat(report(s, wal, "commit", w0, n)).doesNotContainKeys("inode_by_nlink", "blob_by_unreferenced");
      w0 = Files.size(wal);
      for (int i = 0; i < n; i++) {
        s.unlink(d, Name.of("f" + i), false, T, ids[1000 + i]);
      }
      report(s, wal, "unlink", w0, n);
    }
  }
}
