package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** mkdir(2), as pjdfstest's tests/mkdir. */
class MkdirIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  @Test
  void createsADirectoryWithModeOwnerAndLinkCounts() {
    String d = mnt.newDir();
    long parentLinks = root.stat(d).get("nlink").asLong();
    root.ok("mkdir", d + "/a", 0750);
    var st = root.stat(d + "/a");
    assertThat(st.get("fmt").asInt()).isEqualTo(0040000);
    assertThat(st.get("perm").asInt()).isEqualTo(0750);
    assertThat(st.get("nlink").asLong()).isEqualTo(2);
    assertThat(root.stat(d).get("nlink").asLong()).isEqualTo(parentLinks + 1);
    assertThat(root.ok("listdir", d).toString()).contains("\"a\"");
  }

  @Test
  void ownerIsTheCaller() {
    String d = mnt.newDir();
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      user.ok("mkdir", d + "/u", 0755);
    }
    var st = root.stat(d + "/u");
    assertThat(st.get("uid").asInt()).isEqualTo(FuseMountExtension.USER);
    assertThat(st.get("gid").asInt()).isEqualTo(FuseMountExtension.USER);
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/a", 0755);
    assertThat(root.err("mkdir", d + "/a", 0755)).isEqualTo("EEXIST");
    assertThat(root.err("mkdir", d + "/missing/b", 0755)).isEqualTo("ENOENT");
    root.ok("close", root.ok("open", d + "/f", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
    assertThat(root.err("mkdir", d + "/f/b", 0755)).isEqualTo("ENOTDIR");
    assertThat(root.err("mkdir", d + "/" + "x".repeat(256), 0755)).isEqualTo("ENAMETOOLONG");
    assertThat(root.err("mkdir", d + "/" + "x".repeat(255), 0755)).isNull();
  }

  @Test
  void nonOwnerCannotCreateInAForeignDirectory() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/closed", 0755);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("mkdir", d + "/closed/x", 0755)).isEqualTo("EACCES");
    }
    assertThat(root.ok("listdir", d + "/closed")).isEmpty();
  }
}
