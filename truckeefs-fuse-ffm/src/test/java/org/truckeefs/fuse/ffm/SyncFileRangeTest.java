package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.truckeefs.spi.WriteOut;

/**
 * The write-out really starts the disk write: the kernel's page-cache counters for the file ({@code cachestat(2)},
 * Linux 6.5) go from dirty to clean within seconds, where the kernel's own write-back would leave them dirty for
 * about 30 s.
 */
class SyncFileRangeTest {
  private static final int SIZE = 16 << 20;
  /** cachestat's syscall number on x86-64 and arm64 alike. */
  private static final long SYS_CACHESTAT = 451;

  @Test
  void theCoreFindsItOnTheClassPath() {
    assertThat(WriteOut.discover()).isInstanceOf(SyncFileRange.class);
  }

  @Test
  void startedPagesLeaveTheDirtyStateWithoutAnFsync() throws Throwable {
    // on the build's disk, not a tmpfs /tmp (whose pages are never written back)
    Path dir = Files.createDirectories(Path.of("target", "sync-file-range-test")).toAbsolutePath();
    Path file = dir.resolve("f" + System.nanoTime());
    try {
      byte[] bytes = new byte[SIZE];
      ThreadLocalRandom.current().nextBytes(bytes);
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      assertThat(dirtyPages(file)).as("freshly written pages are dirty").isPositive();
      new SyncFileRange().start(file, 0, SIZE);
      await("the started pages are written").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> dirtyPagesUnchecked(file) == 0);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void aMissingFileIsAnIoExceptionNamingIt() {
    Path missing = Path.of("target", "no-such-file-" + System.nanoTime()).toAbsolutePath();
    assertThatThrownBy(() -> new SyncFileRange().start(missing, 0, 1)).isInstanceOf(IOException.class)
        .hasMessageContaining(missing.toString()).hasMessageContaining("errno 2");
  }

  private static long dirtyPagesUnchecked(Path file) throws Exception {
    try {
      return dirtyPages(file);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /** The file's dirty pages as cachestat(2) counts them (nr_dirty + nr_writeback would count both). */
  private static long dirtyPages(Path file) throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
        Linker.Option.firstVariadicArg(1));
    try (Arena a = Arena.ofConfined(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
      MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
          FunctionDescriptor.of(JAVA_INT, JAVA_INT));
      int fd = (int) open.invokeExact(a.allocateFrom(file.toString()), 0, 0);
      assertThat(fd).isNotNegative();
      try {
        MemorySegment range = a.allocate(16); // {off, len}: len 0 = to the end
        MemorySegment stat = a.allocate(40); // nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted
        long rc = (long) syscall.invokeExact(SYS_CACHESTAT, fd, range, stat, 0);
        assertThat(rc).as("cachestat(2) (Linux 6.5 or newer)").isZero();
        return stat.get(JAVA_LONG, 8);
      } finally {
        int ignored = (int) close.invokeExact(fd);
      }
    }
  }
}
