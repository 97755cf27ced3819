package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel hands a 1 MiB write(2) over in one request (libfuse 2 split it into eight of 128 KiB). */
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
}
