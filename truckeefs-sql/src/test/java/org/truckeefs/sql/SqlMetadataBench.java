package org.truckeefs.sql;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.core.RiverFS;

/**
 * Metadata operations through RiverFS in-process, on the in-memory store, SQLite and MariaDB, with 1 and 4 threads
 * (each thread in its own directory). Not a test: run it by hand and read the table.
 *
 * <pre>
 * ./mvnw -q -o -pl truckeefs-sql -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=/tmp/cp-\${project.artifactId}.txt
 * java -cp truckeefs-sql/target/test-classes:truckeefs-sql/target/classes:$(cat /tmp/cp-truckeefs-sql.txt) \
 *     org.truckeefs.sql.SqlMetadataBench [memory] [sqlite] [mariadb] [ops=1000]
 * </pre>
 *
 * Arguments: the backends (memory, sqlite, mariadb; default all) and {@code ops=N} per thread (default 1000).
 * The 100,000-entry directory is filled with one bulk INSERT on SQL backends (through the SPI on memory), then
 * creates into it are compared with creates into a directory of 100.
 */
public final class SqlMetadataBench {
  private static final Caller ROOT = Caller.ROOT;
  private static final int FILE_MODE = InodeType.FILE.modeBits() | 0644;

  private SqlMetadataBench() {}

  public static void main(String[] args) throws Exception {
    List<String> backends = new ArrayList<>();
    int ops = 1000;
    for (String a : args) {
      if (a.startsWith("ops=")) {
        ops = Integer.parseInt(a.substring(4));
      } else {
        backends.add(a);
      }
    }
    if (backends.isEmpty()) {
      backends = List.of("memory", "sqlite", "mariadb");
    }
    System.out.println("| backend | threads | create/s | stat/s | rename/s | unlink/s | readdir 10k (ms) | create@100 (us) | create@100k (us) |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    for (String backend : backends) {
      for (int threads : new int[] {1, 4}) {
        run(backend, threads, ops);
      }
    }
  }

  private static void run(String backend, int threads, int ops) throws Exception {
    Path dir = Files.createTempDirectory("tfs-bench");
    String database = null;
    URI uri;
    switch (backend) {
      case "memory" -> uri = URI.create("memory:/");
      case "sqlite" -> uri = RiverFsOnSql.sqlite(dir);
      case "mariadb" -> {
        database = TestBackends.createMariaDbDatabase();
        uri = TestBackends.mariaDbUri(database);
      }
      default -> throw new IllegalArgumentException("unknown backend " + backend);
    }
    try (RiverFS fs = RiverFsOnSql.open(uri, dir)) {
      List<InodeId> dirs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        dirs.add(fs.mkdir(ROOT, InodeId.ROOT, Name.of("t" + t), 0755).id());
      }
      double create = timed(threads, ops, (t, i) -> fs.mknod(ROOT, dirs.get(t), Name.of("f" + i), FILE_MODE, 0));
      List<List<InodeId>> files = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        List<InodeId> mine = new ArrayList<>();
        for (int i = 0; i < ops; i++) {
          mine.add(fs.lookup(ROOT, dirs.get(t), Name.of("f" + i)).id());
        }
        files.add(mine);
      }
      int statOps = ops * 10;
      double stat = timed(threads, statOps,
          (t, i) -> fs.getattr(files.get(t).get(ThreadLocalRandom.current().nextInt(ops))));
      double rename = timed(threads, ops,
          (t, i) -> fs.rename(ROOT, dirs.get(t), Name.of("f" + i), dirs.get(t), Name.of("r" + i), RenameFlags.NONE));
      double unlink = timed(threads, ops, (t, i) -> fs.unlink(ROOT, dirs.get(t), Name.of("r" + i)));
      String readdir = threads == 1 ? String.format(Locale.ROOT, "%.0f", readdir10k(fs, backend, database, dir)) : "";
      String small = "";
      String big = "";
      if (threads == 1) {
        small = String.format(Locale.ROOT, "%.0f", createCostIn(fs, backend, database, dir, 100));
        big = String.format(Locale.ROOT, "%.0f", createCostIn(fs, backend, database, dir, 100_000));
      }
      System.out.printf(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f | %.0f | %s | %s | %s |%n",
          backend, threads, create, stat, rename, unlink, readdir, small, big);
    } finally {
      TestBackends.dropMariaDbDatabase(database);
    }
  }

  @FunctionalInterface
  private interface Op {
    void run(int thread, int i) throws Exception;
  }

  /** Operations per second over all threads; thread t runs op(t, 0..ops-1). */
  private static double timed(int threads, int ops, Op op) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      long start = System.nanoTime();
      List<Future<Void>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int me = t;
        all.add(pool.submit(() -> {
          for (int i = 0; i < ops; i++) {
            op.run(me, i);
          }
          return null;
        }));
      }
      for (Future<Void> f : all) {
        f.get();
      }
      return threads * (double) ops / ((System.nanoTime() - start) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  private static double readdir10k(RiverFS fs, String backend, String database, Path dir) throws Exception {
    InodeId d = filledDirectory(fs, backend, database, dir, "ls10k", 10_000);
    long best = Long.MAX_VALUE;
    for (int round = 0; round < 3; round++) {
      long start = System.nanoTime();
      long h = fs.opendir(ROOT, d);
      int seen = 0;
      long cookie = 0;
      while (true) {
        DirListing page = fs.readdir(h, cookie, 1000);
        seen += page.entries().size();
        if (page.entries().isEmpty() || page.end()) {
          break;
        }
        cookie = page.entries().get(page.entries().size() - 1).cookie();
      }
      fs.releasedir(h);
      best = Math.min(best, System.nanoTime() - start);
      if (seen < 10_000) {
        throw new IllegalStateException("listed " + seen + " entries");
      }
    }
    return best / 1e6;
  }

  /** Microseconds per create (mknod) into a directory that already holds {@code entries} entries. */
  private static double createCostIn(RiverFS fs, String backend, String database, Path dir, int entries)
      throws Exception {
    InodeId d = filledDirectory(fs, backend, database, dir, "full" + entries, entries);
    int n = 500;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      fs.mknod(ROOT, d, Name.of("new" + i), FILE_MODE, 0);
    }
    return (System.nanoTime() - start) / 1e3 / n;
  }

  /** A directory with {@code entries} files, filled by one bulk INSERT on SQL (the SPI would take minutes). */
  private static InodeId filledDirectory(RiverFS fs, String backend, String database, Path dir, String name,
      int entries) throws Exception {
    InodeId d = fs.mkdir(ROOT, InodeId.ROOT, Name.of(name), 0755).id();
    if (backend.equals("memory")) {
      for (int i = 0; i < entries; i++) {
        fs.mknod(ROOT, d, Name.of("e" + i), FILE_MODE, 0);
      }
      return d;
    }
    long base = d.value() * 1_000_000L;
    String seq = backend.equals("sqlite")
        ? "WITH RECURSIVE seq(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM seq WHERE seq < " + entries + ") "
        : "";
    String from = backend.equals("sqlite") ? " FROM seq" : " FROM seq_1_to_" + entries;
    String url = backend.equals("sqlite") ? "jdbc:sqlite:" + dir.resolve("metadata.db")
        : "jdbc:mariadb://127.0.0.1:3306/" + database;
    try (Connection c = DriverManager.getConnection(url, "root", ""); Statement s = c.createStatement()) {
      if (backend.equals("sqlite")) {
        s.execute("PRAGMA busy_timeout = 30000");
      }
      s.execute("INSERT INTO inode (id, type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime, version,"
          + " next_cookie) " + seq + "SELECT " + base + " + seq, 8, 420, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1" + from);
      s.execute("INSERT INTO dentry (parent_id, name, inode_id, type, cookie) " + seq + "SELECT " + d.value()
          + (backend.equals("sqlite") ? ", CAST('e' || seq AS BLOB), " : ", CAST(CONCAT('e', seq) AS BINARY), ") + base + " + seq, 8, seq" + from);
      s.execute("UPDATE inode SET size = " + entries + ", next_cookie = " + (entries + 1) + " WHERE id = " + d.value());
    }
    return d;
  }
}
