package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** truncate(2)/ftruncate(2), as pjdfstest's tests/truncate and tests/ftruncate. */
class TruncateIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();

  private String file(String path, String content) {
    int fd = root.ok("open", path, new String[] {"O_CREAT", "O_WRONLY", "O_TRUNC"}, 0644).asInt();
    root.ok("write", fd, content);
    root.ok("close", fd);
    return path;
  }

  private String read(String path) {
    int fd = root.ok("open", path, new String[] {"O_RDONLY"}).asInt();
    String s = root.ok("read", fd, 100000).asText();
    root.ok("close", fd);
    return s;
  }

  @Test
  void shrinksAndGrowsWithZeros() {
    String f = file(mnt.newDir() + "/f", "0123456789");
    long mtime = root.stat(f).get("mtime_ns").asLong();
    FuseMountExtension.awaitClockPast(mtime); // a later truncate must show a later mtime
    root.ok("truncate", f, 4);
    assertThat(read(f)).isEqualTo("0123");
    assertThat(root.stat(f).get("mtime_ns").asLong()).isGreaterThan(mtime);
    root.ok("truncate", f, 8);
    assertThat(read(f)).isEqualTo("0123\0\0\0\0");
    root.ok("truncate", f, 5 * 1024 * 1024);
    assertThat(root.stat(f).get("size").asLong()).isEqualTo(5 * 1024 * 1024);
    assertThat(read(f)).hasSize(100000).startsWith("0123\0");
  }

  @Test
  void ftruncateThroughADescriptor() {
    String f = mnt.newDir() + "/f";
    int fd = root.ok("open", f, new String[] {"O_CREAT", "O_RDWR"}, 0644).asInt();
    root.ok("write", fd, "abcdef");
    root.ok("ftruncate", fd, 2);
    assertThat(root.ok("fstat", fd).get("size").asLong()).isEqualTo(2);
    assertThat(root.ok("pread", fd, 10, 0).asText()).isEqualTo("ab");
    root.ok("close", fd);
    int ro = root.ok("open", f, new String[] {"O_RDONLY"}).asInt();
    assertThat(root.err("ftruncate", ro, 0)).isEqualTo("EINVAL");
    root.ok("close", ro);
    assertThat(read(f)).isEqualTo("ab");
  }

  @Test
  void errors() {
    String d = mnt.newDir();
    String f = file(d + "/f", "data");
    root.ok("mkdir", d + "/dir", 0755);
    assertThat(root.err("truncate", d + "/dir", 0)).isEqualTo("EISDIR");
    assertThat(root.err("truncate", d + "/missing", 0)).isEqualTo("ENOENT");
    assertThat(root.err("truncate", f, -1)).isEqualTo("EINVAL");
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.err("truncate", f, 0)).isEqualTo("EACCES");
    }
    assertThat(read(f)).isEqualTo("data");
  }
}
