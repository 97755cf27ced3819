package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** mknod(2)/mkfifo(3), as pjdfstest's tests/mknod and tests/mkfifo. */
class MknodIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  @Test
  void createsFifosRegularFilesAndDevices() {
    String d = mnt.newDir();
    root.ok("mkfifo", d + "/fifo", 0640);
    var fifo = root.lstat(d + "/fifo");
    assertThat(fifo.get("fmt").asInt()).isEqualTo(0010000);
    assertThat(fifo.get("perm").asInt()).isEqualTo(0640);
    root.ok("mknod", d + "/reg", 0100600);
    assertThat(root.lstat(d + "/reg").get("fmt").asInt()).isEqualTo(0100000);
    root.ok("mknod", d + "/null", 0020666, (1 << 8) | 3); // makedev(1, 3)
    var dev = root.lstat(d + "/null");
    assertThat(dev.get("fmt").asInt()).isEqualTo(0020000);
    assertThat(dev.get("rdev").asLong()).isEqualTo((1 << 8) | 3);
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    root.ok("mkfifo", d + "/fifo", 0644);
    assertThat(root.err("mkfifo", d + "/fifo", 0644)).isEqualTo("EEXIST");
    assertThat(root.err("mkfifo", d + "/missing/fifo", 0644)).isEqualTo("ENOENT");
    root.ok("mkdir", d + "/closed", 0755);
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("mkfifo", d + "/closed/fifo", 0644)).isEqualTo("EACCES");
      assertThat(user.err("mknod", d + "/dev", 0020666, 259)).isEqualTo("EPERM");
    }
  }
}
