package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** chmod(2), as pjdfstest's tests/chmod. */
class ChmodIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  private String file(String d, String name, int mode) {
    root.ok("close", root.ok("open", d + "/" + name, new String[] {"O_CREAT", "O_WRONLY"}, mode).asInt());
    root.ok("chmod", d + "/" + name, mode);
    return d + "/" + name;
  }

  @Test
  void changesPermissionBitsAndCtime() {
    String d = mnt.newDir();
    String f = file(d, "f", 0644);
    long ctime = root.stat(f).get("ctime_ns").asLong();
    FuseMountExtension.awaitClockPast(ctime); // so that the change's ctime is later, whatever the clock's resolution
    root.ok("chmod", f, 04751);
    var st = root.stat(f);
    assertThat(st.get("perm").asInt()).isEqualTo(04751);
    assertThat(st.get("ctime_ns").asLong()).isGreaterThan(ctime);
    root.ok("mkdir", d + "/sub", 0755);
    root.ok("chmod", d + "/sub", 01700);
    assertThat(root.stat(d + "/sub").get("perm").asInt()).isEqualTo(01700);
  }

  @Test
  void followsSymlinks() {
    String d = mnt.newDir();
    String f = file(d, "f", 0644);
    root.ok("symlink", "f", d + "/l");
    root.ok("chmod", d + "/l", 0600);
    assertThat(root.stat(f).get("perm").asInt()).isEqualTo(0600);
  }

  @Test
  void onlyTheOwnerMayChmod() {
    String d = mnt.newDir();
    String f = file(d, "f", 0644);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("chmod", f, 0777)).isEqualTo("EPERM");
      user.ok("close", user.ok("open", d + "/mine", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
      user.ok("chmod", d + "/mine", 0600);
      // Setting the setgid bit of a file whose group the caller is not in clears it silently.
      root.ok("chown", d + "/mine", FuseMountExtension.USER, 0);
      user.ok("chmod", d + "/mine", 02755);
      assertThat(root.stat(d + "/mine").get("perm").asInt()).isEqualTo(0755);
    }
    assertThat(root.stat(f).get("perm").asInt()).isEqualTo(0644);
    assertThat(root.err("chmod", d + "/missing", 0644)).isEqualTo("ENOENT");
  }
}
