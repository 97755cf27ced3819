package org.truckeefs.core;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Write throttling ({@code dirty_limit}): a writer that would take the cache's dirty (not yet uploaded) bytes past
 * the limit waits until uploads make room, as the kernel's dirty-page limit slows writers down instead of letting
 * them run the disk full. The waiter's own unsaved data is sealed and queued first, so a single large file being
 * written does not wait for itself.
 *
 * <p>Nothing waits while holding a lock of the file or the cache. Room is signalled on every commit and discard;
 * the timed wait covers dirty bytes freed by other paths (truncation, recovery).
 */
final class DirtyLimit {
  private static final long RECHECK_MILLIS = 50;

  private final long limit;
  private final ChunkCache cache;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition room = lock.newCondition();

  DirtyLimit(long limit, ChunkCache cache) {
    this.limit = limit;
    this.cache = cache;
  }

  /**
   * The effective limit for a configured value: {@link RiverFsConfig#AUTO} is half the cache filesystem's free space
   * above the floor (at least four chunks), and never more than a set {@code cache_size}.
   */
  static long effective(RiverFsConfig config, ChunkCache cache, long usableAtStart) {
    if (config.dirtyLimit() != RiverFsConfig.AUTO) {
      return config.dirtyLimit();
    }
    long auto = usableAtStart == Long.MAX_VALUE ? Long.MAX_VALUE
        : Math.max(4L * config.chunkSize(), (usableAtStart - cache.freeSpaceFloor()) / 2);
    return config.cacheSize() > 0 ? Math.min(auto, Math.max(config.chunkSize(), config.cacheSize())) : auto;
  }

  long limit() {
    return limit;
  }

  /** Whether a write of {@code bytes} may go ahead now (always when nothing is dirty, so one huge write can). */
  boolean admits(long bytes) {
    long dirty = cache.dirtyBytes();
    return dirty <= 0 || dirty + bytes <= limit;
  }

  /**
   * Waits until a write of {@code bytes} fits under the limit. {@code makeProgress} runs first and then every
   * recheck: it seals and queues the waiter's own data, so that it, too, can be uploaded.
   */
  void await(long bytes, Runnable makeProgress) throws FsException {
    boolean first = true;
    while (!admits(bytes)) {
      if (first) {
        makeProgress.run();
        first = false;
      }
      lock.lock();
      try {
        if (admits(bytes)) {
          return;
        }
        room.await(RECHECK_MILLIS, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for uploads to make room");
      } finally {
        lock.unlock();
      }
    }
  }

  /** Dirty bytes went down: wake the waiters (once per commit, so an uncontended lock is cheap enough). */
  void roomMade() {
    lock.lock();
    try {
      room.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
