package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Write-only handles bypass the kernel's page cache ({@code DirectWrites}), as this adapter's request counts show:
 * no capability probe per write, and a non-root write still drops setuid. What both adapters must do (readers see
 * every write, mappings, appends) is {@code truckeefs-fuse}'s {@code DirectWriteIT}, which this module runs too.
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
