package org.truckeefs.fuse;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.truckeefs.api.OpenFlags;

/**
 * Which open handles bypass the kernel's page cache (the open reply's {@code direct_io}), for both adapters. A file
 * opened write-only while no other handle of it is open on this host gets direct I/O: its bytes go from the caller's
 * buffer to the filesystem in one copy, instead of first into page-cache pages of the mount that nobody reads (on
 * this project's VMs a fresh page costs more than the copy; {@code docs/benchmarks.md}), and the kernel stops asking
 * for {@code security.capability} before every write. Write-only handles cannot be memory-mapped, so nothing mmap
 * needs is lost. While such a handle is open, every other open of the inode gets direct I/O too: a handle that
 * cached pages would not see the direct writes (the kernel invalidates a file's pages when it is opened without
 * {@code keep_cache}, not when another handle writes around them). So a shared mapping of a file that a write-only
 * handle holds open fails (ENODEV), as on any FUSE file opened with {@code direct_io}.
 *
 * <p>The kernel sends RELEASE after {@code close(2)} has returned, in the background. So that a file written and
 * closed ({@code cp}) can be opened and mapped at once, an open that finds only write-only handles whose close has come
 * (their FLUSH, {@link #flushed}) waits for their RELEASE, at most {@link #DEFAULT_RELEASE_WAIT}; one still held by
 * another descriptor (a {@code dup}) outlasts the wait, and the open is then direct.
 *
 * <p>State: per inode, its open handles and its direct ones, replaced atomically per inode
 * ({@link ConcurrentHashMap#compute}), so an open racing another open of the same inode sees it; the direct handles
 * whose close has come in a concurrent set, changed only inside or after their inode's compute. Waiting opens
 * wait on {@link #releases}, notified by each release of a direct handle; nothing else is held while waiting.
 */
public final class DirectWrites {
  /** How long an open waits for the RELEASE of write-only handles whose close already came. */
  public static final Duration DEFAULT_RELEASE_WAIT = Duration.ofMillis(200);

  /** The open handles of one inode, and which of them bypass the page cache. */
  private record Opens(int handles, Set<Long> direct) {}

  private final ConcurrentHashMap<Long, Opens> byInode = new ConcurrentHashMap<>();
  /** Direct handles whose close(2) came (FLUSH); their RELEASE is on its way. */
  private final Set<Long> closing = ConcurrentHashMap.newKeySet();
  private final Object releases = new Object();
  private final boolean enabled;
  private final long releaseWaitNanos;

  /** @param enabled false with the kernel's write-back cache, which needs the page cache of every handle */
  public DirectWrites(boolean enabled) {
    this(enabled, DEFAULT_RELEASE_WAIT);
  }

  DirectWrites(boolean enabled, Duration releaseWait) {
    this.enabled = enabled;
    this.releaseWaitNanos = releaseWait.toNanos();
  }

  /**
   * Registers a handle just opened with {@code openFlags} (the open(2) flags the kernel passed) and decides whether
   * it bypasses the page cache; a handle whose open reply fails must be {@link #released} all the same.
   */
  public boolean opened(long ino, long handle, int openFlags) {
    boolean writeOnly = (openFlags & OpenFlags.O_ACCMODE) == OpenFlags.O_WRONLY;
    if (enabled) {
      awaitClosingWriters(ino);
    }
    boolean[] direct = new boolean[1];
    byInode.compute(ino, (k, o) -> {
      int handles = o == null ? 0 : o.handles();
      Set<Long> directs = o == null ? Set.of() : o.direct();
      direct[0] = enabled && (!directs.isEmpty() || (writeOnly && handles == 0));
      if (!direct[0]) {
        return new Opens(handles + 1, directs);
      }
      Set<Long> more = new HashSet<>(directs);
      more.add(handle);
      return new Opens(handles + 1, Set.copyOf(more));
    });
    return direct[0];
  }

  /**
   * A close(2) of one of the handle's descriptors (FLUSH): for a direct handle, its RELEASE may follow. Marked inside
   * the inode's compute, so that a release racing it (a FLUSH from a duplicate's close) never leaves it marked.
   */
  public void flushed(long ino, long handle) {
    byInode.computeIfPresent(ino, (k, o) -> {
      if (o.direct().contains(handle)) {
        closing.add(handle);
      }
      return o;
    });
  }

  public void released(long ino, long handle) {
    boolean[] direct = new boolean[1];
    byInode.computeIfPresent(ino, (k, o) -> {
      direct[0] = o.direct().contains(handle);
      if (o.handles() <= 1) {
        return null;
      }
      if (!direct[0]) {
        return new Opens(o.handles() - 1, o.direct());
      }
      Set<Long> fewer = new HashSet<>(o.direct());
      fewer.remove(handle);
      return new Opens(o.handles() - 1, Set.copyOf(fewer));
    });
    // Only now: a direct handle leaves `closing` after it left its inode's direct handles, so that an open never
    // sees it still direct but no longer closing (it would then decide at once, and direct).
    closing.remove(handle);
    if (direct[0]) {
      synchronized (releases) {
        releases.notifyAll();
      }
    }
  }

  /** Waits (bounded) while every direct handle of {@code ino} is one whose close came and whose release has not. */
  private void awaitClosingWriters(long ino) {
    Opens o = byInode.get(ino);
    if (o == null || o.direct().isEmpty()) {
      return; // the common case: no monitor, no wait
    }
    long deadline = System.nanoTime() + releaseWaitNanos;
    synchronized (releases) {
      while (true) {
        o = byInode.get(ino);
        if (o == null || o.direct().isEmpty() || !closing.containsAll(o.direct())) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(releases, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /** Inodes with open handles; for tests (bounded by the open handles). */
  int inodes() {
    return byInode.size();
  }
}
