package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.truckeefs.fuse.FuseOptions;
import org.truckeefs.testkit.RequiredService;

/**
 * Two mounts of one filesystem (MariaDB + Redis + one blob directory), as two hosts would have them, with attribute
 * and entry timeouts of a minute: what host A changes, host B's kernel shows at once, because A's committed changes
 * reach B as change events that B's adapter turns into kernel invalidations.
 */
class TwoHostsIT {
  /** Far longer than any wait below: only an invalidation can make B see A's change in time. */
  private static final Duration LONG = Duration.ofSeconds(60);
  /** How long B may take to show A's change; typically well under a second (the target), with slack for CI. */
  private static final long SHOW_WITHIN_MS = 5_000;
  private static final String DB = "ffm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
  private static FfmFixture a;
  private static FfmFixture b;
  /** The blob directory both hosts share (a local blob store stands in for the shared Tahoe grid). */
  private static Path blobs;

  @BeforeAll
  static void mountBoth() throws Exception {
    RequiredService.requireMariaDb();
    RequiredService.requireRedis();
    sql("CREATE DATABASE " + DB);
    blobs = Files.createTempDirectory("truckeefs-ffm-blobs-");
    Files.setPosixFilePermissions(blobs, PosixFilePermissions.fromString("rwxr-xr-x"));
    Map<String, String> shared = Map.of("sql_host", "127.0.0.1:3306", "sql_db", DB, "sql_user", "root", "sql_pass", "",
        "redis_host", "127.0.0.1", "filesystem_id", DB, "blob_dir", blobs.toString(), "sql_pool_size", "4");
    FuseOptions o = FuseOptions.defaults().withTimeouts(LONG, LONG);
    a = FfmFixture.mount(shared, o);
    b = FfmFixture.mount(shared, o);
  }

  @AfterAll
  static void unmountBoth() throws Exception {
    try {
      if (b != null) {
        b.close();
      }
      if (a != null) {
        a.close();
      }
    } finally {
      sql("DROP DATABASE IF EXISTS " + DB);
      if (blobs != null) {
        try (var all = Files.walk(blobs)) {
          for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
            Files.deleteIfExists(p);
          }
        }
      }
    }
  }

  private static void sql(String statement) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/", "root", "");
        Statement st = c.createStatement()) {
      st.execute(statement);
    }
  }

  /** Waits until B shows what {@code check} expects (failing past the bound); returns how long that took. */
  private static long shows(Callable<Boolean> check) {
    long start = System.nanoTime();
    Awaitility.await("host B shows the new state").atMost(Duration.ofMillis(SHOW_WITHIN_MS))
        .pollInterval(Duration.ofMillis(10)).until(check);
    return (System.nanoTime() - start) / 1_000_000;
  }

  @Test
  void rewriteRenameChmodAndRemoveShowOnTheOtherHost() throws Exception {
    Files.writeString(a.path("f"), "v1");
    shows(() -> Files.exists(b.path("f")) && Files.readString(b.path("f")).equals("v1"));
    assertThat(Files.getAttribute(b.path("f"), "unix:nlink")).isEqualTo(1); // B's kernel caches f now

    Files.writeString(a.path("f"), "version 2");
    long rewrite = shows(() -> Files.readString(b.path("f")).equals("version 2") && Files.size(b.path("f")) == 9);

    Files.move(a.path("f"), a.path("g"));
    long rename = shows(() -> !Files.exists(b.path("f")) && Files.exists(b.path("g")));

    Files.setPosixFilePermissions(a.path("g"), PosixFilePermissions.fromString("rw-------"));
    long chmod = shows(() -> PosixFilePermissions.toString(Files.getPosixFilePermissions(b.path("g"))).equals("rw-------"));

    Files.delete(a.path("g"));
    long remove = shows(() -> !Files.exists(b.path("g")));
    System.err.printf("B showed A's rewrite after %d ms, rename %d ms, chmod %d ms, remove %d ms%n", rewrite, rename, chmod, remove);
  }

  @Test
  void aNewEntryShowsInTheOtherHostsListingAndLookup() throws Exception {
    Path dirA = Files.createDirectory(a.path("d"));
    shows(() -> Files.isDirectory(b.path("d")));
    assertThat(names(b.path("d"))).isEmpty();
    assertThat(Files.exists(b.path("d").resolve("new"))).isFalse(); // B's kernel caches "no such name" now
    Files.writeString(dirA.resolve("new"), "hello");
    long listed = shows(() -> names(b.path("d")).equals(java.util.List.of("new")));
    long looked = shows(() -> Files.exists(b.path("d").resolve("new")));
    System.err.printf("B listed A's new entry after %d ms, found it by name after %d ms%n", listed, looked);
    // B's kernel keeps listings across opens (cache_readdir): A's rename and unlink must reset it too.
    Files.move(dirA.resolve("new"), dirA.resolve("renamed"));
    shows(() -> names(b.path("d")).equals(java.util.List.of("renamed")));
    Files.delete(dirA.resolve("renamed"));
    shows(() -> names(b.path("d")).isEmpty());
  }

  @Test
  void anExtendedAttributeSetOnOneHostShowsOnTheOther() throws Exception {
    Files.writeString(a.path("x"), "x");
    shows(() -> Files.exists(b.path("x")));
    assertThat(xattr(b.path("x"))).isEqualTo("none"); // B remembers the absence now
    FfmFixture.python("import os, sys; os.setxattr(sys.argv[1], 'user.tag', b'red')", a.path("x").toString());
    long took = shows(() -> xattr(b.path("x")).equals("red"));
    System.err.printf("B saw A's new xattr after %d ms%n", took);
  }

  private static String xattr(Path p) throws Exception {
    return FfmFixture.python("""
        import os, sys
        try:
            print(os.getxattr(sys.argv[1], 'user.tag').decode())
        except OSError:
            print('none')
        """, p.toString());
  }

  private static java.util.List<String> names(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
