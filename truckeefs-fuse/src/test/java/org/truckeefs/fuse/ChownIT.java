package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** chown(2)/lchown(2), as pjdfstest's tests/chown. */
class ChownIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();
  static final int U = FuseMountExtension.USER;

  private String file(String path, int mode) {
    root.ok("close", root.ok("open", path, new String[] {"O_CREAT", "O_WRONLY"}, mode).asInt());
    root.ok("chmod", path, mode);
    return path;
  }

  @Test
  void rootChangesOwnerAndGroup() {
    String f = file(mnt.newDir() + "/f", 0644);
    root.ok("chown", f, U, 1234);
    var st = root.stat(f);
    assertThat(st.get("uid").asInt()).isEqualTo(U);
    assertThat(st.get("gid").asInt()).isEqualTo(1234);
    root.ok("chown", f, -1, 0);
    assertThat(root.stat(f).get("uid").asInt()).isEqualTo(U);
    assertThat(root.stat(f).get("gid").asInt()).isEqualTo(0);
  }

  @Test
  void chownClearsSetuidAndSetgidOfFiles() {
    String f = file(mnt.newDir() + "/f", 06755);
    root.ok("chown", f, U, U);
    assertThat(root.stat(f).get("perm").asInt() & 06000).isZero();
  }

  @Test
  void lchownChangesTheLinkNotTheTarget() {
    String d = mnt.newDir();
    file(d + "/f", 0644);
    root.ok("symlink", "f", d + "/l");
    root.ok("lchown", d + "/l", U, U);
    assertThat(root.lstat(d + "/l").get("uid").asInt()).isEqualTo(U);
    assertThat(root.stat(d + "/f").get("uid").asInt()).isEqualTo(0);
  }

  @Test
  void usersCannotGiveAwayFilesOrUseForeignGroups() {
    String d = mnt.newDir();
    try (FsAgent user = FsAgent.user(U, U); FsAgent member = FsAgent.user(U, U, 4242)) {
      user.ok("close", user.ok("open", d + "/mine", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
      assertThat(user.err("chown", d + "/mine", 0, -1)).isEqualTo("EPERM");
      assertThat(user.err("chown", d + "/mine", -1, 4242)).isEqualTo("EPERM");
      member.ok("chown", d + "/mine", -1, 4242); // a supplementary group of the caller
      assertThat(root.stat(d + "/mine").get("gid").asInt()).isEqualTo(4242);
      file(d + "/roots", 0644);
      assertThat(user.err("chown", d + "/roots", U, U)).isEqualTo("EPERM");
    }
    assertThat(root.stat(d + "/mine").get("uid").asInt()).isEqualTo(U);
  }
}
