package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** rename(2)/renameat2(2), as pjdfstest's tests/rename. */
class RenameIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  private void file(String path, String content) {
    int fd = root.ok("open", path, new String[] {"O_CREAT", "O_WRONLY", "O_TRUNC"}, 0644).asInt();
    root.ok("write", fd, content);
    root.ok("close", fd);
  }

  private String read(String path) {
    int fd = root.ok("open", path, new String[] {"O_RDONLY"}).asInt();
    String s = root.ok("read", fd, 1000).asText();
    root.ok("close", fd);
    return s;
  }

  @Test
  void movesAFileAndKeepsItsInode() {
    String d = mnt.newDir();
    file(d + "/a", "A");
    long ino = root.stat(d + "/a").get("ino").asLong();
    root.ok("mkdir", d + "/sub", 0755);
    root.ok("rename", d + "/a", d + "/sub/b");
    assertThat(root.err("stat", d + "/a")).isEqualTo("ENOENT");
    assertThat(root.stat(d + "/sub/b").get("ino").asLong()).isEqualTo(ino);
    assertThat(read(d + "/sub/b")).isEqualTo("A");
  }

  @Test
  void replacesAnExistingFileOrEmptyDirectory() {
    String d = mnt.newDir();
    file(d + "/a", "new");
    file(d + "/b", "old");
    root.ok("rename", d + "/a", d + "/b");
    assertThat(read(d + "/b")).isEqualTo("new");
    assertThat(root.ok("listdir", d).toString()).isEqualTo("[\"b\"]");
    root.ok("mkdir", d + "/x", 0755);
    root.ok("mkdir", d + "/y", 0755);
    long links = root.stat(d).get("nlink").asLong();
    root.ok("rename", d + "/x", d + "/y");
    assertThat(root.err("stat", d + "/x")).isEqualTo("ENOENT");
    assertThat(root.stat(d).get("nlink").asLong()).isEqualTo(links - 1);
  }

  @Test
  void directoryMovesUpdateDotDot() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/p1", 0755);
    root.ok("mkdir", d + "/p2", 0755);
    root.ok("mkdir", d + "/p1/c", 0755);
    root.ok("rename", d + "/p1/c", d + "/p2/c");
    assertThat(root.stat(d + "/p2/c/..").get("ino").asLong()).isEqualTo(root.stat(d + "/p2").get("ino").asLong());
    assertThat(root.stat(d + "/p1").get("nlink").asLong()).isEqualTo(2);
    assertThat(root.stat(d + "/p2").get("nlink").asLong()).isEqualTo(3);
  }

  /** The adapter caches directory paths: a renamed or removed directory must not be found under its old path. */
  @Test
  void renamedDirectoriesAreFoundOnlyUnderTheirNewPath() {
    String d = mnt.newDir();
    root.ok("mkdir", d + "/old", 0755);
    root.ok("mkdir", d + "/old/sub", 0755);
    file(d + "/old/sub/f", "x");
    assertThat(read(d + "/old/sub/f")).isEqualTo("x");
    root.ok("rename", d + "/old", d + "/new");
    assertThat(read(d + "/new/sub/f")).isEqualTo("x");
    assertThat(root.err("stat", d + "/old/sub/f")).isEqualTo("ENOENT");
    root.ok("mkdir", d + "/old", 0755); // a new directory under the old name is a different one
    assertThat(root.err("stat", d + "/old/sub")).isEqualTo("ENOENT");
    root.ok("unlink", d + "/new/sub/f");
    root.ok("rmdir", d + "/new/sub");
    root.ok("mkdir", d + "/new/sub", 0700);
    assertThat(root.ok("listdir", d + "/new/sub")).isEmpty();
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    file(d + "/f", "f");
    root.ok("mkdir", d + "/dir", 0755);
    root.ok("mkdir", d + "/full", 0755);
    root.ok("mkdir", d + "/full/x", 0755);
    assertThat(root.err("rename", d + "/missing", d + "/z")).isEqualTo("ENOENT");
    assertThat(root.err("rename", d + "/dir", d + "/full")).isEqualTo("ENOTEMPTY");
    assertThat(root.err("rename", d + "/dir", d + "/f")).isEqualTo("ENOTDIR");
    assertThat(root.err("rename", d + "/f", d + "/dir")).isEqualTo("EISDIR");
    assertThat(root.err("rename", d + "/full", d + "/full/x/y")).isEqualTo("EINVAL");
    assertThat(root.ok("listdir", d).toString()).isEqualTo("[\"dir\",\"f\",\"full\"]");
  }

  /**
   * libfuse 2 speaks a FUSE protocol without RENAME2: the kernel refuses renameat2 flags with EINVAL, except that
   * the VFS itself answers RENAME_NOREPLACE onto an existing name with EEXIST.
   */
  @Test
  void renameat2FlagsAreRefusedByLibfuse2() {
    String d = mnt.newDir();
    file(d + "/a", "a");
    file(d + "/b", "b");
    assertThat(root.err("renameat2", d + "/a", d + "/b", 1)).isEqualTo("EEXIST");
    if (mnt.lowLevel()) {
      // libfuse 3's low-level API passes the flags through: NOREPLACE onto a free name and EXCHANGE work.
      root.ok("renameat2", d + "/a", d + "/new", 1);
      root.ok("renameat2", d + "/new", d + "/b", 2);
      assertThat(read(d + "/new")).isEqualTo("b");
      assertThat(read(d + "/b")).isEqualTo("a");
      root.ok("renameat2", d + "/b", d + "/c", 0);
      assertThat(read(d + "/c")).isEqualTo("a");
      return;
    }
    assertThat(root.err("renameat2", d + "/a", d + "/new", 1)).isEqualTo("EINVAL");
    assertThat(root.err("renameat2", d + "/a", d + "/b", 2)).isEqualTo("EINVAL");
    assertThat(read(d + "/a")).isEqualTo("a");
    root.ok("renameat2", d + "/a", d + "/c", 0);
    assertThat(read(d + "/c")).isEqualTo("a");
  }

  @Test
  void stickyDirectoryStopsOtherUsersRenames() {
    String d = mnt.newDir();
    root.ok("chmod", d, 01777);
    file(d + "/roots", "r");
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("rename", d + "/roots", d + "/stolen")).isEqualTo("EPERM");
    }
    assertThat(read(d + "/roots")).isEqualTo("r");
  }
}
