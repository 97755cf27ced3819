package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Through a real kernel mount on the libfuse 3 low-level adapter: what the path-based adapter cannot do. */
class LowLevelIT {
  private static FfmFixture f;

  @BeforeAll
  static void mount() throws Exception {
    f = FfmFixture.mount();
  }

  @AfterAll
  static void unmount() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void filesDirectoriesAndRenames() throws Exception {
    Path d = Files.createDirectory(f.path("dir"));
    Files.writeString(d.resolve("a"), "alpha");
    Files.move(d.resolve("a"), d.resolve("b"));
    assertThat(Files.readString(d.resolve("b"))).isEqualTo("alpha");
    assertThat(Files.exists(d.resolve("a"))).isFalse();
    try (var s = Files.list(d)) {
      assertThat(s.map(p -> p.getFileName().toString())).containsExactly("b");
    }
    Files.createSymbolicLink(d.resolve("l"), Path.of("b"));
    assertThat(Files.readSymbolicLink(d.resolve("l"))).isEqualTo(Path.of("b"));
    assertThat(Files.readString(d.resolve("l"))).isEqualTo("alpha");
    Files.delete(d.resolve("l"));
    Files.delete(d.resolve("b"));
    Files.delete(d);
    assertThat(Files.exists(d)).isFalse();
  }

  /** Every name of a file is one kernel node: a write through one name shows through the others at once. */
  @Test
  void hardLinksShareOneKernelNode() throws Exception {
    Path a = f.path("hl-a");
    Path b = f.path("hl-b");
    Files.writeString(a, "change");
    Files.createLink(b, a);
    assertThat(Files.readString(a)).isEqualTo("change"); // the kernel caches a's attributes and pages now
    Files.writeString(b, "changed");
    assertThat(Files.readAllBytes(a)).isEqualTo("changed".getBytes(StandardCharsets.UTF_8));
    assertThat(Files.size(a)).isEqualTo(7);
    assertThat(Files.getAttribute(a, "unix:nlink")).isEqualTo(2);
    Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rwx------"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(a))).isEqualTo("rwx------");
    assertThat(Files.getAttribute(a, "unix:ctime")).isEqualTo(Files.getAttribute(b, "unix:ctime"));
    assertThat(Files.getAttribute(a, "unix:ino")).isEqualTo(Files.getAttribute(b, "unix:ino"));
    Files.delete(b);
    assertThat(Files.getAttribute(a, "unix:nlink")).isEqualTo(1);
  }

  @Test
  void fstatOfAnOpenUnlinkedFileShowsNoLinksAndTheDataStaysReadable() throws Exception {
    String out = FfmFixture.python("""
        import os, sys
        p = sys.argv[1]
        fd = os.open(p, os.O_CREAT | os.O_RDWR, 0o644)
        os.write(fd, b'still here')
        os.unlink(p)
        st = os.fstat(fd)
        os.ftruncate(fd, 5)
        os.fchmod(fd, 0o600)
        st2 = os.fstat(fd)
        print(st.st_nlink, st2.st_size, oct(st2.st_mode & 0o777), os.pread(fd, 100, 0).decode(), os.path.exists(p))
        os.close(fd)
        """, f.path("unlinked").toString());
    assertThat(out).isEqualTo("0 5 0o600 still False");
  }

  @Test
  void renameat2NoreplaceAndExchangeReachTheFilesystem() throws Exception {
    Files.writeString(f.path("x1"), "one");
    Files.writeString(f.path("x2"), "two");
    String out = FfmFixture.python("""
        import ctypes, os, sys
        libc = ctypes.CDLL(None, use_errno=True)
        AT = -100
        a, b, c = (s.encode() for s in sys.argv[1:4])
        r = libc.renameat2(AT, a, AT, b, 1)   # RENAME_NOREPLACE onto an existing name
        e1 = ctypes.get_errno()
        r2 = libc.renameat2(AT, a, AT, b, 2)  # RENAME_EXCHANGE
        r3 = libc.renameat2(AT, a, AT, c, 1)  # RENAME_NOREPLACE onto a free name
        print(r, e1, r2, r3)
        """, f.path("x1").toString(), f.path("x2").toString(), f.path("x3").toString());
    assertThat(out).isEqualTo("-1 17 0 0");
    assertThat(Files.readString(f.path("x2"))).isEqualTo("one");
    assertThat(Files.readString(f.path("x3"))).isEqualTo("two");
    assertThat(Files.exists(f.path("x1"))).isFalse();
  }

  @Test
  void errorsComeBackAsErrno() throws Exception {
    assertThatThrownBy(() -> Files.readString(f.path("missing"))).isInstanceOf(NoSuchFileException.class);
    Files.writeString(f.path("exists"), "");
    assertThatThrownBy(() -> Files.createFile(f.path("exists"))).isInstanceOf(FileAlreadyExistsException.class);
    String out = FfmFixture.python("""
        import errno, os, sys
        try:
            os.rmdir(sys.argv[1])
        except OSError as e:
            print(errno.errorcode[e.errno])
        """, f.path("exists").toString());
    assertThat(out).isEqualTo("ENOTDIR");
  }

  @Test
  void extendedAttributesAndStatfs() throws Exception {
    Path p = Files.writeString(f.path("xa"), "x");
    String out = FfmFixture.python("""
        import os, sys
        p = sys.argv[1]
        os.setxattr(p, 'user.color', b'blue')
        print(os.getxattr(p, 'user.color').decode(), os.listxattr(p), os.statvfs(p).f_namemax)
        os.removexattr(p, 'user.color')
        print(os.listxattr(p))
        """, p.toString());
    assertThat(out.lines()).isEqualTo(List.of("blue ['user.color'] 255", "[]"));
  }

  @Test
  void fallocateGrowsTheFile() throws Exception {
    String out = FfmFixture.python("""
        import os, sys
        fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
        os.posix_fallocate(fd, 0, 10000)
        print(os.fstat(fd).st_size)
        os.close(fd)
        """, f.path("falloc").toString());
    assertThat(out).isEqualTo("10000");
  }
}
