package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.BlobRef;

/**
 * Migration V4 (SQLite): a data directory made before it keeps its orphans and releasable blobs, and the two sweeps
 * read them through the partial indexes that replaced the full ones.
 */
class SqlitePartialIndexTest {
  @TempDir Path dir;

  @Test
  void aVersion3Database_migrates_andTheSweepsFindTheirRowsThroughThePartialIndexes() throws Exception {
    Path file = dir.resolve("metadata.db");
    String url = "jdbc:sqlite:" + file;
    // A data directory as the previous release left it: schema version 3, with an orphan and an unreferenced blob.
    Flyway.configure(getClass().getClassLoader()).dataSource(url, null, null)
        .locations(SqlEngine.SQLITE.migrationLocation()).table(Migrations.HISTORY_TABLE).target("3").load().migrate();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      for (int i = 0; i < 50; i++) {
        s.execute("INSERT INTO inode (type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version, "
            + "next_cookie) VALUES (8, 420, 0, 0, 0, " + (i == 7 ? 0 : 1) + ", 0, 0, 0, 0, 0, 0, 1)");
        s.execute("INSERT INTO blob_ref (ref, refcount, unreferenced_since) VALUES (x'" + String.format("%02x", i)
            + "', " + (i == 9 ? "0, 5" : "1, NULL") + ")");
      }
    }
    try (SqlMetadataStore store = (SqlMetadataStore) TestBackends.sqlite(file)) {
      assertThat(store.orphans()).containsExactly(InodeId.of(8));
      Transactor tx = store.transactor();
      assertThat(plan(tx, "SELECT id FROM inode WHERE nlink = 0 ORDER BY id")).contains("inode_by_nlink");
      assertThat(plan(tx, "SELECT ref FROM blob_ref WHERE refcount = 0 AND unreferenced_since < ? "
          + "ORDER BY unreferenced_since, ref LIMIT ?")).contains("blob_by_unreferenced");
      assertThat(store.takeReleasableBlobs(Instant.ofEpochSecond(1), 10))
          .containsExactly(BlobRef.of(new String(new byte[] {9}, java.nio.charset.StandardCharsets.UTF_8)));
    }
  }

  private static String plan(Transactor tx, String sql) throws Exception {
    return tx.read("plan", db -> {
      List<String> steps = new ArrayList<>();
      db.fetch("EXPLAIN QUERY PLAN " + sql).forEach(r -> steps.add(String.valueOf(r.get(3))));
      return String.join("; ", steps);
    });
  }
}
