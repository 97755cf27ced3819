package org.truckeefs.fuse.ffm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which open handles bypass the kernel's page cache ({@code FOPEN_DIRECT_IO}). A file opened write-only while no
 * other handle of it is open on this host gets direct I/O: its bytes go from the caller's buffer to the filesystem
 * in one copy, instead of first into page-cache pages of the mount that nobody reads (on this project's VMs a fresh
 * page costs more than the copy; {@code docs/benchmarks.md}), and the kernel stops asking for
 * {@code security.capability} before every write. Write-only handles cannot be memory-mapped, so nothing mmap needs
 * is lost. While such a handle is open, every other open of the inode gets direct I/O too: a handle that cached pages
 * would not see the direct writes (the kernel invalidates a file's pages when it is opened without
 * {@code keep_cache}, not when another handle writes around them). So a shared mapping of a file that a write-only
 * handle holds open fails (ENODEV), as on any FUSE file opened with {@code direct_io}.
 *
 * <p>State: per inode, its open handles and how many of them are direct; updated atomically per inode
 * ({@link ConcurrentHashMap#compute}), so an open racing another open of the same inode sees it.
 */
final class DirectWrites {
  /** The open handles of one inode, and how many of them bypass the page cache. */
  private record Opens(int handles, int direct) {}

  private final ConcurrentHashMap<Long, Opens> byInode = new ConcurrentHashMap<>();
  /** The direct handles, so that their release is told apart. */
  private final Map<Long, Long> directHandles = new ConcurrentHashMap<>();
  private final boolean enabled;

  /** @param enabled false with the kernel's write-back cache, which needs the page cache of every handle */
  DirectWrites(boolean enabled) {
    this.enabled = enabled;
  }

  /**
   * Registers a handle just opened and decides whether it bypasses the page cache; a handle whose open reply fails
   * must be {@link #released} all the same.
   */
  boolean opened(long ino, long handle, boolean writeOnly) {
    boolean[] direct = new boolean[1];
    byInode.compute(ino, (k, o) -> {
      int handles = o == null ? 0 : o.handles();
      int directs = o == null ? 0 : o.direct();
      direct[0] = enabled && (directs > 0 || (writeOnly && handles == 0));
      return new Opens(handles + 1, directs + (direct[0] ? 1 : 0));
    });
    if (direct[0]) {
      directHandles.put(handle, ino);
    }
    return direct[0];
  }

  void released(long ino, long handle) {
    boolean direct = directHandles.remove(handle) != null;
    byInode.computeIfPresent(ino, (k, o) -> o.handles() <= 1 ? null
        : new Opens(o.handles() - 1, o.direct() - (direct ? 1 : 0)));
  }

  /** Inodes with open handles; for tests (bounded by the open handles). */
  int inodes() {
    return byInode.size();
  }
}
