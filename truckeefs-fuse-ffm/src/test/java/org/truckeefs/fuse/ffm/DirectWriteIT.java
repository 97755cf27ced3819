package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Write-only handles bypass the kernel's page cache ({@link DirectWrites}): the bytes reach the filesystem without
 * a cached copy and without the kernel's capability probe per write, while every reader still sees every write,
 * appends still append, and a non-root write still drops setuid.
 */
class DirectWriteIT {
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

  /**
   * Writes 8 MiB in 1 MiB writes with the open flags named, from a page-aligned buffer (a direct write from an
   * unaligned one spans 257 pages and arrives as two requests, the kernel's limit being 256).
   */
  private static void write8MiB(String name, String flags) throws Exception {
    FfmFixture.python("""
        import mmap, os, sys
        buf = mmap.mmap(-1, 1 << 20)
        fd = os.open(sys.argv[1], os.O_CREAT | %s, 0o644)
        for i in range(8):
            buf.seek(0)
            buf.write(bytes([i + 1]) * (1 << 20))
            assert os.write(fd, buf) == 1 << 20
        os.close(fd)
        """.formatted(flags), f.path(name).toString());
  }

  /**
   * The page cache's copy is not observable from outside once the file is closed (the next open without keep_cache
   * drops it), but the kernel's {@code security.capability} probe is: it comes before every write that goes through
   * the page cache, and never before a direct one.
   */
  @Test
  void aWriteOnlyHandle_bypassesThePageCache_soTheKernelStopsProbingBeforeEachWrite() throws Exception {
    f.resetCounts();
    write8MiB("rw", "os.O_RDWR");
    assertThat(f.calls("getxattr")).as("the probe before each cached write").isEqualTo(8);
    f.resetCounts();
    write8MiB("wo", "os.O_WRONLY");
    assertThat(f.calls("getxattr")).isZero();
    assertThat(f.writeSizes).containsExactly(1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20);
    String sum = FfmFixture.python("""
        import sys
        data = open(sys.argv[1], 'rb').read()
        print(len(data), all(data[i << 20] == i + 1 and data[(i << 20) + (1 << 20) - 1] == i + 1 for i in range(8)))
        """, f.path("wo").toString());
    assertThat(sum).isEqualTo((8 << 20) + " True");
  }

  @Test
  void aReaderOpenedBesideAWriteOnlyHandle_seesEveryWrite() throws Exception {
    String out = FfmFixture.python("""
        import mmap, os, sys
        w = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
        os.write(w, b'a' * 8192)
        r = os.open(sys.argv[1], os.O_RDONLY)
        first = os.pread(r, 8192, 0) == b'a' * 8192
        os.pwrite(w, b'b' * 4096, 4096)
        second = os.pread(r, 8192, 0) == b'a' * 4096 + b'b' * 4096
        try:
            mmap.mmap(r, 8192, mmap.MAP_SHARED, mmap.PROT_READ)
            mapped = 'mapped'
        except OSError as e:
            mapped = os.strerror(e.errno)
        os.close(w)
        os.close(r)
        r = os.open(sys.argv[1], os.O_RDONLY)
        m = mmap.mmap(r, 8192, mmap.MAP_SHARED, mmap.PROT_READ)
        after = m[4096:8192] == b'b' * 4096
        print(first, second, mapped, after)
        """, f.path("beside").toString());
    assertThat(out).isEqualTo("True True No such device True");
  }

  @Test
  void aWriteOnlyOpen_ofAFileAlreadyOpen_writesThroughTheCacheTheReaderUses() throws Exception {
    String out = FfmFixture.python("""
        import mmap, os, sys
        fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
        os.write(fd, b'a' * 8192)
        m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ)
        w = os.open(sys.argv[1], os.O_WRONLY)
        os.pwrite(w, b'c' * 4096, 0)
        print(m[0:4096] == b'c' * 4096, os.pread(fd, 4096, 0) == b'c' * 4096)
        """, f.path("cached").toString());
    assertThat(out).isEqualTo("True True");
  }

  @Test
  void appendsThroughWriteOnlyHandles_append() throws Exception {
    String p = f.path("log").toString();
    FfmFixture.sh("echo one >> " + p + " && echo two >> " + p + " && printf three >> " + p);
    assertThat(Files.readString(f.path("log"))).isEqualTo("one\ntwo\nthree");
  }

  @Test
  void aWriteByAnotherUser_throughAWriteOnlyHandle_dropsSetuid() throws Exception {
    var p = f.path("suid");
    Files.writeString(p, "x");
    FfmFixture.sh("chmod 06777 " + p);
    FfmFixture.sh("setpriv --reuid 1000 --regid 1000 --clear-groups /usr/bin/python3 -c \"import os; "
        + "fd = os.open('" + p + "', os.O_WRONLY); os.write(fd, b'y'); os.close(fd)\"");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).isEqualTo("rwxrwxrwx");
    assertThat(FfmFixture.sh("stat -c %a " + p)).isEqualTo("777");
  }
}
