package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** link(2), as pjdfstest's tests/link. */
class LinkIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  @Test
  void aSecondNameSharesInodeDataAndLinkCount() {
    String d = mnt.newDir();
    int fd = root.ok("open", d + "/a", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt();
    root.ok("write", fd, "shared");
    root.ok("close", fd);
    root.ok("link", d + "/a", d + "/b");
    var a = root.stat(d + "/a");
    var b = root.stat(d + "/b");
    assertThat(b.get("ino").asLong()).isEqualTo(a.get("ino").asLong());
    assertThat(a.get("nlink").asInt()).isEqualTo(2);
    root.ok("unlink", d + "/a");
    // libfuse 2's high-level API gives each name its own kernel inode: the other name's cached link count is
    // refreshed when attr_timeout (1 s) expires.
    FuseMountExtension.eventually(() -> assertThat(root.stat(d + "/b").get("nlink").asInt()).isEqualTo(1));
    int r = root.ok("open", d + "/b", new String[] {"O_RDONLY"}).asInt();
    assertThat(root.ok("read", r, 100).asText()).isEqualTo("shared");
    root.ok("close", r);
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    root.ok("close", root.ok("open", d + "/a", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
    root.ok("close", root.ok("open", d + "/b", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
    root.ok("mkdir", d + "/dir", 0755);
    assertThat(root.err("link", d + "/a", d + "/b")).isEqualTo("EEXIST");
    assertThat(root.err("link", d + "/dir", d + "/dir2")).isEqualTo("EPERM");
    assertThat(root.err("link", d + "/missing", d + "/c")).isEqualTo("ENOENT");
    assertThat(root.err("link", d + "/a", d + "/missing/c")).isEqualTo("ENOENT");
    assertThat(root.stat(d + "/a").get("nlink").asInt()).isEqualTo(1);
  }

  @Test
  void needsWritePermissionOnTheTargetDirectory() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/closed", 0755);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      user.ok("close", user.ok("open", d + "/a", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
      assertThat(user.err("link", d + "/a", d + "/closed/a")).isEqualTo("EACCES");
      // fs.protected_hardlinks: linking someone else's file needs read and write access to it.
      root.ok("close", root.ok("open", d + "/roots", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
      assertThat(user.err("link", d + "/roots", d + "/mine")).isEqualTo("EPERM");
    }
    assertThat(root.stat(d + "/a").get("nlink").asInt()).isEqualTo(1);
  }
}
