package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The kernel hands a 1 MiB write(2) over in one request (libfuse 2 split it into eight of 128 KiB), and reads a
 * file sequentially in 1 MiB requests (its default read-ahead would ask 128 KiB at a time).
 */
class WriteSizeIT {
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
  void oneMebibyteWriteIsOneRequest() throws Exception {
    String p = f.path("big").toString();
    FfmFixture.python("import os, sys; fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644); os.close(fd)", p);
    f.resetCounts();
    String out = FfmFixture.python("""
        import mmap, os, sys
        buf = mmap.mmap(-1, 1 << 20)  # page-aligned, as a large application buffer usually is
        buf.write(b'x' * (1 << 20))
        fd = os.open(sys.argv[1], os.O_WRONLY)
        print(os.write(fd, buf))
        os.close(fd)
        """, p);
    assertThat(out).isEqualTo("1048576");
    assertThat(f.writeSizes).containsExactly(1 << 20);
  }

  @Test
  void aSequentialReadArrivesInOneMebibyteRequests() throws Exception {
    String p = f.path("seq").toString();
    FfmFixture.python("""
        import os, sys
        fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY, 0o644)
        for i in range(8):
            os.write(fd, bytes([i]) * (1 << 20))
        os.fsync(fd)
        os.close(fd)
        """, p);
    f.resetCounts();
    String out = FfmFixture.python("""
        import os, sys
        fd = os.open(sys.argv[1], os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # drop the clean pages the writes left cached
        total = 0
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                break
            assert b == bytes([total >> 20]) * len(b), total
            total += len(b)
        os.close(fd)
        print(total)
        """, p);
    assertThat(out).isEqualTo(Integer.toString(8 << 20));
    assertThat(f.readSizes).as("read request sizes").isNotEmpty().allMatch(n -> n == 1 << 20);
  }
}
