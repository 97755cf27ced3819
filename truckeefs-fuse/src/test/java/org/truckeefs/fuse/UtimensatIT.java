package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** utimensat(2) with explicit times, UTIME_NOW and UTIME_OMIT, as pjdfstest's tests/utimensat. */
class UtimensatIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();
  static final int AT_SYMLINK_NOFOLLOW = 0x100;

  private String file(String path, int mode) {
    root.ok("close", root.ok("open", path, new String[] {"O_CREAT", "O_WRONLY"}, mode).asInt());
    root.ok("chmod", path, mode);
    return path;
  }

  @Test
  void explicitTimesWithNanoseconds() {
    String f = file(mnt.newDir() + "/f", 0644);
    root.ok("utimensat", f, List.of(1_000_000_000L, 123_456_789), List.of(1_500_000_000L, 987_654_321));
    var st = root.stat(f);
    assertThat(st.get("atime_ns").asLong()).isEqualTo(1_000_000_000_123_456_789L);
    assertThat(st.get("mtime_ns").asLong()).isEqualTo(1_500_000_000_987_654_321L);
  }

  @Test
  void omitLeavesATimeAloneAndNowIsNow() {
    String f = file(mnt.newDir() + "/f", 0644);
    root.ok("utimensat", f, List.of(100, 0), List.of(200, 0));
    root.ok("utimensat", f, "OMIT", List.of(300, 5));
    var st = root.stat(f);
    assertThat(st.get("atime_ns").asLong()).isEqualTo(100_000_000_000L);
    assertThat(st.get("mtime_ns").asLong()).isEqualTo(300_000_000_005L);
    long before = System.currentTimeMillis() * 1_000_000L - 2_000_000_000L;
    root.ok("utimensat", f, "NOW", "OMIT");
    st = root.stat(f);
    assertThat(st.get("atime_ns").asLong()).isGreaterThan(before);
    assertThat(st.get("mtime_ns").asLong()).isEqualTo(300_000_000_005L);
  }

  @Test
  void symlinkItselfWithNoFollow() {
    String d = mnt.newDir();
    file(d + "/f", 0644);
    root.ok("symlink", "f", d + "/l");
    root.ok("utimensat", d + "/l", List.of(10, 0), List.of(20, 0), AT_SYMLINK_NOFOLLOW);
    assertThat(root.lstat(d + "/l").get("mtime_ns").asLong()).isEqualTo(20_000_000_000L);
    assertThat(root.stat(d + "/f").get("mtime_ns").asLong()).isNotEqualTo(20_000_000_000L);
  }

  @Test
  void explicitTimesNeedOwnershipNowNeedsWriteAccess() {
    String d = mnt.newDir();
    String writable = file(d + "/w", 0666);
    String readonly = file(d + "/r", 0644);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("utimensat", writable, List.of(1, 0), List.of(1, 0))).isEqualTo("EPERM");
      user.ok("utimensat", writable, "NOW", "NOW");
      assertThat(user.err("utimensat", readonly, "NOW", "NOW")).isEqualTo("EACCES");
    }
    assertThat(root.stat(writable).get("mtime_ns").asLong()).isNotEqualTo(1_000_000_000L);
  }
}
