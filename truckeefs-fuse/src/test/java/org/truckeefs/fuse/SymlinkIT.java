package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** symlink(2)/readlink(2), as pjdfstest's tests/symlink. */
class SymlinkIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  @Test
  void createsALinkTheKernelFollows() {
    String d = mnt.newDir();
    int fd = root.ok("open", d + "/target", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt();
    root.ok("write", fd, "through the link");
    root.ok("close", fd);
    root.ok("symlink", "target", d + "/l");
    assertThat(root.ok("readlink", d + "/l").asText()).isEqualTo("target");
    var l = root.lstat(d + "/l");
    assertThat(l.get("fmt").asInt()).isEqualTo(0120000);
    assertThat(l.get("size").asLong()).isEqualTo("target".length());
    int r = root.ok("open", d + "/l", new String[] {"O_RDONLY"}).asInt();
    assertThat(root.ok("read", r, 100).asText()).isEqualTo("through the link");
    root.ok("close", r);
    root.ok("mkdir", d + "/dir", 0755);
    root.ok("symlink", d + "/dir", d + "/dl");
    root.ok("mkdir", d + "/dl/inside", 0755);
    assertThat(root.stat(d + "/dir/inside").get("fmt").asInt()).isEqualTo(0040000);
  }

  @Test
  void danglingLinksAndLoops() {
    String d = mnt.newDir();
    root.ok("symlink", "nowhere", d + "/dangling");
    assertThat(root.err("stat", d + "/dangling")).isEqualTo("ENOENT");
    assertThat(root.lstat(d + "/dangling").get("fmt").asInt()).isEqualTo(0120000);
    root.ok("symlink", "b", d + "/a");
    root.ok("symlink", "a", d + "/b");
    assertThat(root.err("stat", d + "/a")).isEqualTo("ELOOP");
    String longTarget = "x/".repeat(1000);
    root.ok("symlink", longTarget, d + "/long");
    assertThat(root.ok("readlink", d + "/long").asText()).isEqualTo(longTarget);
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    root.ok("symlink", "t", d + "/l");
    assertThat(root.err("symlink", "t", d + "/l")).isEqualTo("EEXIST");
    assertThat(root.err("symlink", "t", d + "/missing/l")).isEqualTo("ENOENT");
    assertThat(root.err("readlink", d)).isEqualTo("EINVAL");
    root.ok("mkdir", d + "/closed", 0755);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("symlink", "t", d + "/closed/l")).isEqualTo("EACCES");
    }
  }
}
