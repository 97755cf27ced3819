package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** unlink(2), as pjdfstest's tests/unlink. */
class UnlinkIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  private void file(String path) {
    root.ok("close", root.ok("open", path, new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
  }

  @Test
  void removesFilesSymlinksAndFifos() {
    String d = mnt.newDir();
    file(d + "/f");
    root.ok("symlink", "f", d + "/l");
    root.ok("mkfifo", d + "/p", 0644);
    root.ok("unlink", d + "/l");
    assertThat(root.stat(d + "/f").get("nlink").asInt()).isEqualTo(1);
    root.ok("unlink", d + "/f");
    root.ok("unlink", d + "/p");
    assertThat(root.ok("listdir", d)).isEmpty();
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/dir", 0755);
    assertThat(root.err("unlink", d + "/missing")).isEqualTo("ENOENT");
    assertThat(root.err("unlink", d + "/dir")).isEqualTo("EISDIR");
    file(d + "/f");
    assertThat(root.err("unlink", d + "/f/x")).isEqualTo("ENOTDIR");
  }

  @Test
  void permissionAndStickyRules() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/closed", 0755);
    file(d + "/closed/f");
    root.ok("mkdir", d + "/sticky", 01777);
    root.ok("chmod", d + "/sticky", 01777);
    file(d + "/sticky/roots");
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("unlink", d + "/closed/f")).isEqualTo("EACCES");
      assertThat(user.err("unlink", d + "/sticky/roots")).isEqualTo("EPERM");
      user.ok("close", user.ok("open", d + "/sticky/mine", new String[] {"O_CREAT", "O_WRONLY"}, 0644).asInt());
      user.ok("unlink", d + "/sticky/mine");
    }
    assertThat(root.ok("listdir", d + "/sticky").toString()).isEqualTo("[\"roots\"]");
    assertThat(root.ok("listdir", d + "/closed").toString()).isEqualTo("[\"f\"]");
  }
}
