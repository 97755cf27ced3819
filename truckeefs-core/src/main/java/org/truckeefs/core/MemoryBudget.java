package org.truckeefs.core;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory small dirty chunks may hold ({@code dirty_memory}; see {@link DirtyChunk}): a chunk reserves its
 * capacity before it grows and returns it when it moves to a file or is freed. A reservation that does not fit is
 * refused, never waited for: the chunk then goes to a file, as every chunk did before.
 */
final class MemoryBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();

  MemoryBudget(long limit) {
    this.limit = limit;
  }

  boolean tryReserve(long bytes) {
    while (true) {
      long u = used.get();
      if (u + bytes > limit) {
        return false;
      }
      if (used.compareAndSet(u, u + bytes)) {
        return true;
      }
    }
  }

  /** Takes {@code bytes} whatever the limit: recovery must hold what the journal holds. */
  void force(long bytes) {
    used.addAndGet(bytes);
  }

  void release(long bytes) {
    used.addAndGet(-bytes);
  }

  long limit() {
    return limit;
  }

  long used() {
    return used.get();
  }
}
