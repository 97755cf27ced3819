package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Locale;
import org.truckeefs.spi.DiskWriteback;

/**
 * {@link DiskWriteback} by Linux's {@code sync_file_range(SYNC_FILE_RANGE_WRITE)}, called through
 * {@code java.lang.foreign}: core finds it with {@link java.util.ServiceLoader} when this module is on the class path
 * (the CLI's jar). It lives here because this is the project's one module above Java 17 with native calls; it has
 * nothing to do with FUSE.
 *
 * <p>Why not {@code fdatasync} in the background instead: on ext4 every one commits the journal and stalls the
 * writer's block allocations behind it (benchmarks.md: a sequential write at a third of its speed). Starting the
 * write commits nothing, and an fsync later waits only for what is still in flight plus one journal commit.
 *
 * <p>It opens the file by path for each call (read-only; the range is written whatever descriptor names the file):
 * core's callers hold a Java channel, whose descriptor Java does not give out.
 */
public final class SyncFileRange implements DiskWriteback {
  private static final int O_RDONLY = 0;
  private static final int O_CLOEXEC = 0x80000;
  private static final int SYNC_FILE_RANGE_WRITE = 2;

  /** The downcalls, or null where they cannot be made (not Linux, or native access not granted to this module). */
  private final Calls calls;

  /** Loaded by {@link java.util.ServiceLoader}. */
  public SyncFileRange() {
    this.calls = Calls.load();
  }

  /** Linux, and this module may call native code (without the grant, trying would print a JVM warning). */
  @Override
  public boolean available() {
    return calls != null;
  }

  @Override
  public void start(Path file, long offset, long length) {
    if (calls == null || length <= 0) {
      return;
    }
    try (Arena arena = Arena.ofConfined()) {
      int fd = (int) calls.open.invokeExact(arena.allocateFrom(file.toString()), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        return; // gone meanwhile (uploaded and deleted): nothing to write
      }
      try {
        int ignored = (int) calls.syncFileRange.invokeExact(fd, offset, length, SYNC_FILE_RANGE_WRITE);
      } finally {
        int ignored = (int) calls.close.invokeExact(fd);
      }
    } catch (Throwable t) {
      // a hint: the fsync or the blob store's flush writes the bytes anyway
    }
  }

  @Override
  public String toString() {
    return "sync_file_range";
  }

  private record Calls(MethodHandle open, MethodHandle syncFileRange, MethodHandle close) {
    static Calls load() {
      if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
          || !SyncFileRange.class.getModule().isNativeAccessEnabled()) {
        return null;
      }
      try {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        return new Calls(
            linker.downcallHandle(libc.find("open").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
                Linker.Option.firstVariadicArg(2)),
            linker.downcallHandle(libc.find("sync_file_range").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT)),
            linker.downcallHandle(libc.find("close").orElseThrow(), FunctionDescriptor.of(JAVA_INT, JAVA_INT)));
      } catch (RuntimeException e) {
        return null;
      }
    }
  }
}
