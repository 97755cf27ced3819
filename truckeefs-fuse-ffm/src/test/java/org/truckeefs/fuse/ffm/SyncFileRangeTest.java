package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.spi.DiskWriteback;

/**
 * {@link SyncFileRange} really starts the disk write: the file's dirty pages, counted by the kernel's
 * {@code cachestat(2)} (Linux 6.5+), drain long before the kernel's own write-back would take them (pages become
 * old enough for the flusher only after {@code vm.dirty_expire_centisecs}, 30 s by default), while a file written
 * alongside and not started keeps its dirty pages.
 */
class SyncFileRangeTest {
  private static final long CACHESTAT = 451; // the same number on every architecture (a syscall added after 424)
  private static final int SIZE = 8 << 20;

  @TempDir Path tmp; // java.io.tmpdir: a disk-backed filesystem on this project's machines (not tmpfs)

  @Test
  void isFoundByServiceLoader_andAvailableHere() {
    assertThat(ServiceLoader.load(DiskWriteback.class).stream().map(p -> p.get()))
        .anySatisfy(w -> assertThat(w).isInstanceOf(SyncFileRange.class));
    assertThat(new SyncFileRange().available()).as("Linux, native access granted (surefire's argLine)").isTrue();
  }

  @Test
  void start_writesTheRangesPagesToDisk_andOnlyThem() throws Throwable {
    assertThat(Files.getFileStore(tmp).type()).as("a filesystem with write-back under %s", tmp).isNotEqualTo("tmpfs");
    Path started = write(tmp.resolve("started"));
    Path left = write(tmp.resolve("left"));
    assertThat(dirtyPages(started)).as("just written").isPositive();
    assertThat(dirtyPages(left)).as("just written").isPositive();

    new SyncFileRange().start(started, 0, SIZE);

    await().atMost(Duration.ofSeconds(15)).until(() -> dirtyPages(started) == 0);
    assertThat(dirtyPages(left)).as("not started: still dirty, left to the kernel's flusher").isPositive();
  }

  @Test
  void manyStarts_leaveNoDescriptorOpen() throws Throwable {
    Path f = write(tmp.resolve("many"));
    SyncFileRange w = new SyncFileRange();
    w.start(f, 0, SIZE); // first call: whatever the JDK opens lazily is open before the count
    long before = openDescriptors();
    for (int i = 0; i < 5_000; i++) {
      w.start(f, (long) (i % 2048) * 4096, 4096);
      w.start(tmp.resolve("gone-" + i), 0, 4096);
    }
    assertThat(openDescriptors()).as("a leak would be thousands; other threads may hold a few").isLessThan(before + 50);
  }

  private static long openDescriptors() throws Exception {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    }
  }

  @Test
  void aMissingFile_orAnEmptyRange_isIgnored() throws Throwable {
    SyncFileRange w = new SyncFileRange();
    w.start(tmp.resolve("gone"), 0, SIZE);
    Path f = write(tmp.resolve("f"));
    w.start(f, 0, 0);
    assertThat(dirtyPages(f)).isPositive();
  }

  private static Path write(Path p) throws Exception {
    byte[] b = new byte[SIZE];
    new Random(p.hashCode()).nextBytes(b);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer buf = ByteBuffer.wrap(b);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
    }
    return p;
  }

  /** Dirty pages plus pages under write-back of the whole file, by cachestat(2). */
  private static long dirtyPages(Path p) throws Exception {
    try {
      return cachestat(p);
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  private static long cachestat(Path p) throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle syscall = linker.downcallHandle(linker.defaultLookup().find("syscall").orElseThrow(),
        FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
        Linker.Option.firstVariadicArg(1));
    try (Arena arena = Arena.ofConfined(); FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      MemorySegment range = arena.allocate(16); // struct cachestat_range { u64 off; u64 len; }: len 0 = to the end
      MemorySegment stat = arena.allocate(40); // struct cachestat { nr_cache, nr_dirty, nr_writeback, ... }
      int fd = fdOf(arena, p);
      try {
        long rc = (long) syscall.invokeExact(CACHESTAT, fd, range, stat, 0);
        assertThat(rc).as("cachestat(2) (Linux 6.5+)").isZero();
      } finally {
        close(fd);
      }
      return stat.get(JAVA_LONG, 8) + stat.get(JAVA_LONG, 16);
    }
  }

  private static int fdOf(Arena arena, Path p) throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle open = linker.downcallHandle(linker.defaultLookup().find("open").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    int fd = (int) open.invokeExact(arena.allocateFrom(p.toString()), 0);
    assertThat(fd).as("open %s", p).isNotNegative();
    return fd;
  }

  private static void close(int fd) throws Throwable {
    Linker linker = Linker.nativeLinker();
    MethodHandle close = linker.downcallHandle(linker.defaultLookup().find("close").orElseThrow(),
        FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    int ignored = (int) close.invokeExact(fd);
  }
}
