package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Write-only opens bypass the page cache ({@link DirectWrites}), through either adapter: the kernel treats such a
 * file as {@code direct_io} (a shared mapping of another open of it fails with ENODEV while the writer is open),
 * every reader still sees every write, large writes arrive whole and appends append.
 */
class DirectWriteIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();

  @Test
  void aReaderBesideAWriteOnlyHandle_seesEveryWrite_butCannotMapItShared() throws Exception {
    String out = Python.run("""
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
        print(first, second, mapped, m[4096:8192] == b'b' * 4096)
        """, mnt.newDir() + "/beside");
    assertThat(out).isEqualTo("True True No such device True");
  }

  @Test
  void aWriteOnlyOpenBesideACachingOne_keepsThePageCache_andTheMappingSeesTheWrite() throws Exception {
    String out = Python.run("""
        import mmap, os, sys
        fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR, 0o644)
        os.write(fd, b'a' * 8192)
        m = mmap.mmap(fd, 8192, mmap.MAP_SHARED, mmap.PROT_READ)
        w = os.open(sys.argv[1], os.O_WRONLY)
        os.pwrite(w, b'c' * 4096, 0)
        print(m[0:4096] == b'c' * 4096, os.pread(fd, 4096, 0) == b'c' * 4096)
        """, mnt.newDir() + "/cached");
    assertThat(out).isEqualTo("True True");
  }

  @Test
  void largeWritesAndAppends_throughWriteOnlyHandles_landWhole() throws Exception {
    String d = mnt.newDir();
    Python.run("""
        import os, sys
        fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
        for i in range(6):
            assert os.write(fd, bytes([i + 1]) * ((1 << 20) + 7)) == (1 << 20) + 7  # unaligned, past one request
        os.close(fd)
        for line in (b'one\\n', b'two\\n'):
            fd = os.open(sys.argv[2], os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
            os.write(fd, line)
            os.close(fd)
        """, d + "/big", d + "/log");
    byte[] big = Files.readAllBytes(Path.of(d, "big"));
    assertThat(big).hasSize(6 * ((1 << 20) + 7));
    for (int i = 0; i < 6; i++) {
      assertThat(big[i * ((1 << 20) + 7)]).isEqualTo((byte) (i + 1));
      assertThat(big[(i + 1) * ((1 << 20) + 7) - 1]).isEqualTo((byte) (i + 1));
    }
    assertThat(Files.readString(Path.of(d, "log"))).isEqualTo("one\ntwo\n");
  }
}
