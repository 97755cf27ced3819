package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code ls -l} is served by READDIRPLUS: the listing carries every entry's attributes, so no lookup per name; and
 * no getxattr per name, since security labels and POSIX ACLs are EOPNOTSUPP.
 */
class ReaddirplusIT {
  private static final int FILES = 300;
  private static FfmFixture f;

  @BeforeAll
  static void mount() throws Exception {
    f = FfmFixture.mount();
  }

  @AfterAll
  static void unmount() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void lsLongListsWithoutALookupPerEntry() throws Exception {
    Path d = Files.createDirectory(f.path("many"));
    for (int i = 0; i < FILES; i++) {
      Files.writeString(d.resolve("file-" + i), "x".repeat(i));
    }
    // Remount-free way to start cold: a fresh directory the kernel has never listed, under a new name.
    Files.move(d, f.path("cold"));
    f.resetCounts();
    String out = FfmFixture.sh("ls -l " + f.path("cold"));
    assertThat(out.lines().filter(l -> l.contains("file-"))).hasSize(FILES);
    assertThat(out).contains(" 299 ").contains("file-299");
    assertThat(f.calls("readdirplus")).isPositive().isLessThan(FILES / 10);
    assertThat(f.calls("lookup") + f.calls("getattr")).as("lookups and getattrs").isLessThan(10);
    // ls asks for security.selinux and system.posix_acl_access until the device answers EOPNOTSUPP, then stops
    assertThat(f.calls("getxattr") + f.calls("listxattr")).as("xattr requests").isLessThan(5);
  }

  /** At session start the adapter lists the root once on its own thread (warming the listing path), and closes it. */
  @Test
  void theSessionStartPrimesTheListingPathOnceAndReleasesItsHandle() {
    Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(f.primerCalls("releasedir")).isOne());
    assertThat(f.primerCalls("opendir")).isOne();
    assertThat(f.primerCalls("readdirplus")).isOne();
  }

  /**
   * A listing that one core page holds costs one core call: the kernel's closing read from the last cookie (the
   * one that returns nothing) is answered by the adapter, not by another store query.
   */
  @Test
  void theClosingEmptyReadIsAnsweredWithoutAnotherCoreCall() throws Exception {
    Path d = Files.createDirectory(f.path("once"));
    for (int i = 0; i < 100; i++) {
      Files.writeString(d.resolve("e-" + i), "");
    }
    f.resetCounts();
    try (var names = Files.list(d)) {
      assertThat(names.count()).isEqualTo(100);
    }
    assertThat(f.calls("readdirplus")).as("core readdirplus calls").isEqualTo(1);
    f.resetCounts();
    try (var names = Files.list(d)) {
      assertThat(names.count()).as("a second listing, on a new handle").isEqualTo(100);
    }
    assertThat(f.calls("readdirplus") + f.calls("readdir")).as("served from the kernel's readdir cache").isZero();
    Files.writeString(d.resolve("e-100"), "");
    f.resetCounts();
    try (var names = Files.list(d)) {
      assertThat(names.count()).as("after a create through the mount").isEqualTo(101);
    }
    assertThat(f.calls("readdirplus") + f.calls("readdir")).as("the change reset the cache").isPositive();
  }

  /**
   * The kernel keeps READDIRPLUS entries and attributes for the entry/attribute timeout (30 s): local creates,
   * unlinks, renames and writes made after a listing still show in the next one, with their sizes.
   */
  @Test
  void aListingFollowsLocalCreatesUnlinksRenamesAndWrites() throws Exception {
    Path d = Files.createDirectory(f.path("changing"));
    for (int i = 0; i < 40; i++) {
      Files.writeString(d.resolve("n-" + i), "y".repeat(i));
    }
    Map<String, Long> before = sizes(d);
    assertThat(before).hasSize(40).containsEntry("n-39", 39L);
    Files.delete(d.resolve("n-3"));
    Files.move(d.resolve("n-4"), d.resolve("renamed"));
    Files.writeString(d.resolve("n-5"), "now eighteen bytes");
    Files.writeString(d.resolve("new"), "abc");
    Map<String, Long> after = sizes(d);
    assertThat(after).hasSize(40).doesNotContainKeys("n-3", "n-4")
        .containsEntry("renamed", 4L).containsEntry("n-5", 18L).containsEntry("new", 3L).containsEntry("n-39", 39L);
  }

  /** Name to size, as {@code ls -ln} shows them. */
  private static Map<String, Long> sizes(Path dir) throws Exception {
    Map<String, Long> m = new TreeMap<>();
    for (String line : FfmFixture.sh("ls -ln " + dir).split("\n")) {
      String[] cols = line.trim().split("\\s+");
      if (cols.length >= 9) {
        m.put(cols[cols.length - 1], Long.parseLong(cols[4]));
      }
    }
    return m;
  }

  @Test
  void labelsAndAclsAreNotSupported_userXattrsAre() throws Exception {
    Path p = Files.writeString(f.path("labelled"), "x");
    String out = FfmFixture.python("""
        import errno, os, struct, sys
        p = sys.argv[1]
        def tried(what, call):
            try:
                call()
                print(what, 'accepted')
            except OSError as e:
                print(what, 'EOPNOTSUPP' if e.errno == errno.EOPNOTSUPP else errno.errorcode[e.errno])
        acl = struct.pack('<I', 2) + b''.join(struct.pack('<HHI', t, m, 0xffffffff) for t, m in ((1, 6), (4, 4), (0x20, 4)))
        for name in ('security.selinux', 'security.capability', 'system.posix_acl_access'):
            tried('get ' + name, lambda: os.getxattr(p, name))
        for name, value in (('security.selinux', b'label'), ('system.posix_acl_access', acl)):
            tried('set ' + name, lambda: os.setxattr(p, name, value))
            tried('remove ' + name, lambda: os.removexattr(p, name))
        os.setxattr(p, 'user.k', b'v')
        print(os.getxattr(p, 'user.k').decode(), os.listxattr(p))
        """, p.toString());
    assertThat(out).doesNotContain("accepted");
    assertThat(out.lines().filter(l -> l.endsWith(" EOPNOTSUPP"))).as(out).hasSize(7);
    assertThat(out).endsWith("v ['user.k']");
  }
}
