package org.truckeefs.core;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Per-key read/write locks that any thread may release. {@link java.util.concurrent.locks.ReentrantReadWriteLock}
 * ties a lock to the acquiring thread, but a {@link org.truckeefs.spi.Lease} may be closed by another thread (an
 * upload finishing on a pool thread), so the state here is just counters under a monitor. A waiting writer blocks
 * new readers, so a stream of readers cannot starve it.
 */
final class LocalLockTable {
  private static final class RwSlot extends LocalLockSlots.Slot {
    private int readers;
    private boolean writer;
    private int waitingWriters;
  }

  private final LocalLockSlots<RwSlot> slots = new LocalLockSlots<>(RwSlot::new);

  /** Acquires, or fails with TIMED_OUT after {@code wait}; the returned action releases. */
  Runnable acquire(String key, boolean exclusive, Duration wait) throws FsException {
    RwSlot s = slots.use(key);
    boolean granted = false;
    try {
      granted = exclusive ? lockWrite(s, wait) : lockRead(s, wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for the lock on " + key);
    } finally {
      if (!granted) {
        slots.unuse(key, s);
      }
    }
    if (!granted) {
      throw new FsException(FsError.TIMED_OUT,
          (exclusive ? "write" : "read") + " lock on " + key + " not granted within " + wait.toMillis() + " ms");
    }
    return () -> {
      synchronized (s) {
        if (exclusive) {
          s.writer = false;
        } else {
          s.readers--;
        }
        s.notifyAll();
      }
      slots.unuse(key, s);
    };
  }

  private static boolean lockRead(RwSlot s, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (s) {
      while (s.writer || s.waitingWriters > 0) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(s, left);
      }
      s.readers++;
      return true;
    }
  }

  private static boolean lockWrite(RwSlot s, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (s) {
      s.waitingWriters++;
      try {
        while (s.writer || s.readers > 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(s, left);
        }
        s.writer = true;
        return true;
      } finally {
        s.waitingWriters--;
        s.notifyAll();
      }
    }
  }

  int activeKeys() {
    return slots.size();
  }
}
