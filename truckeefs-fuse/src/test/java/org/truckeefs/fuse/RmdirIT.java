package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** rmdir(2), as pjdfstest's tests/rmdir. */
class RmdirIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  @Test
  void removesAnEmptyDirectoryAndDropsTheParentsLinkCount() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/a", 0755);
    long links = root.stat(d).get("nlink").asLong();
    root.ok("rmdir", d + "/a");
    assertThat(root.err("stat", d + "/a")).isEqualTo("ENOENT");
    assertThat(root.stat(d).get("nlink").asLong()).isEqualTo(links - 1);
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/full", 0755);
    root.ok("mkdir", d + "/full/child", 0755);
    assertThat(root.err("rmdir", d + "/full")).isEqualTo("ENOTEMPTY");
    assertThat(root.stat(d + "/full/child").get("fmt").asInt()).isEqualTo(0040000);
    root.ok("close", root.ok("open", d + "/f", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
    assertThat(root.err("rmdir", d + "/f")).isEqualTo("ENOTDIR");
    assertThat(root.err("rmdir", d + "/missing")).isEqualTo("ENOENT");
    assertThat(root.err("rmdir", d + "/full/.")).isEqualTo("EINVAL");
  }

  @Test
  void stickyDirectoryProtectsOtherUsersDirectories() {
    String d = mnt.newDir();
    root.ok("chmod", d, 01777);
    root.ok("mkdir", d + "/roots", 0755);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("rmdir", d + "/roots")).isEqualTo("EPERM");
      user.ok("mkdir", d + "/mine", 0755);
      user.ok("rmdir", d + "/mine");
    }
    assertThat(root.stat(d + "/roots").get("fmt").asInt()).isEqualTo(0040000);
  }
}
