package org.truckeefs.fuse.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.truckeefs.fuse.FuseOptions;

/**
 * With the kernel's write-back cache (`writeback_cache`, one host only) the kernel owns size and mtime while a
 * file is open, handles O_APPEND itself and reads pages of files opened write-only: the results must not change.
 */
class WritebackCacheIT {
  private static FfmFixture f;

  @BeforeAll
  static void mount() throws Exception {
    Duration t = Duration.ofSeconds(30);
    f = FfmFixture.mount(Map.of(), FuseOptions.defaults().withTimeouts(t, t).withWritebackCache(true));
  }

  @AfterAll
  static void unmount() throws Exception {
    if (f != null) {
      f.close();
    }
  }

  @Test
  void appendsPartialPageWritesThroughWriteOnlyHandlesAndTruncate() throws Exception {
    String out = FfmFixture.python("""
        import os, sys
        p = sys.argv[1]
        fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_APPEND, 0o644)
        os.write(fd, b'hello ')
        fd2 = os.open(p, os.O_WRONLY | os.O_APPEND)
        os.write(fd2, b'world')
        os.close(fd2); os.close(fd)
        fd = os.open(p, os.O_WRONLY)          # write-only: the kernel must read the page to merge these bytes
        os.pwrite(fd, b'J', 6)
        os.close(fd)
        r = open(p, 'rb').read()
        os.truncate(p, 3)
        s = os.stat(p).st_size
        fd = os.open(p, os.O_RDWR)
        os.pwrite(fd, b'!', 9)                # a hole between 3 and 9
        os.fsync(fd)
        os.close(fd)
        print(r.decode(), s, open(p, 'rb').read())
        """, f.path("wb").toString());
    assertThat(out).isEqualTo("hello Jorld 3 b'hel\\x00\\x00\\x00\\x00\\x00\\x00!'");
  }

  /**
   * The kernel flushes the times it kept for a write (mtime, and ctime equal to it) before the close; core saves
   * them with the data, so what is committed is what the mount showed, ctime included.
   */
  @Test
  void theCommittedTimesAreTheOnesTheMountShowed() throws Exception {
    String out = FfmFixture.python("""
        import os, sys
        p = sys.argv[1]
        fd = os.open(p, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o644)
        os.write(fd, b'x' * 5000)
        os.close(fd)
        st = os.stat(p)
        print(st.st_ino, st.st_mtime_ns, st.st_ctime_ns)
        """, f.path("times").toString());
    String[] v = out.split(" ");
    f.fs.syncAll();
    var committed = f.fs.getattr(org.truckeefs.api.InodeId.of(Long.parseLong(v[0])));
    assertThat(committed.size()).isEqualTo(5000);
    assertThat(committed.mtime().getEpochSecond() * 1_000_000_000L + committed.mtime().getNano())
        .isEqualTo(Long.parseLong(v[1]));
    // ctime: the kernel's, not the time its flush arrived; but never before the creation (the kernel's clock is
    // coarser than this host's, so its write time may lie just before the create's)
    long crtime = committed.crtime().getEpochSecond() * 1_000_000_000L + committed.crtime().getNano();
    assertThat(committed.ctime().getEpochSecond() * 1_000_000_000L + committed.ctime().getNano())
        .isEqualTo(Math.max(Long.parseLong(v[2]), crtime));
  }

  @Test
  void hardLinksAndSizesStayCoherent() throws Exception {
    Files.writeString(f.path("la"), "change");
    Files.createLink(f.path("lb"), f.path("la"));
    assertThat(Files.readString(f.path("la"))).isEqualTo("change");
    Files.writeString(f.path("lb"), "changed");
    assertThat(Files.readString(f.path("la"))).isEqualTo("changed");
    assertThat(Files.size(f.path("la"))).isEqualTo(7);
  }

  @Test
  void aLargeFileWrittenAndReadBack() throws Exception {
    String out = FfmFixture.python("""
        import hashlib, os, sys
        p = sys.argv[1]
        data = os.urandom(8 << 20)
        with open(p, 'wb') as w:
            for i in range(0, len(data), 100_000):
                w.write(data[i:i + 100_000])
        print(hashlib.sha256(data).hexdigest() == hashlib.sha256(open(p, 'rb').read()).hexdigest(), os.stat(p).st_size)
        """, f.path("large").toString());
    assertThat(out).isEqualTo("True 8388608");
  }
}
