package org.truckeefs.core;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.LockRangeSet;

/**
 * POSIX record locks of one JVM: a {@link LockRangeSet} per key under the key's monitor. The range arithmetic is
 * all in {@link LockRangeSet}; this class only stores it, waits for conflicts to go and drops dead sessions' locks.
 */
final class PosixLockTable {
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private static final class PosixSlot extends LocalLockSlots.Slot {
    private LockRangeSet set = LockRangeSet.empty();
    /** Whether the slot holds an extra use of its own because locks are held in it. */
    private boolean pinned;
  }

  private final LocalLockSlots<PosixSlot> slots = new LocalLockSlots<>(PosixSlot::new);
  private final Predicate<String> alive;

  PosixLockTable(Predicate<String> alive) {
    this.alive = alive;
  }

  void set(String key, String session, long owner, LockRange range, Duration wait) throws FsException {
    long deadline = System.nanoTime() + wait.toNanos();
    PosixSlot s = slots.use(key);
    try {
      synchronized (s) {
        while (true) {
          s.set = s.set.retainSessions(alive);
          Optional<LockRangeSet.Held> conflict = s.set.conflict(session, owner, range);
          if (conflict.isEmpty()) {
            s.set = s.set.apply(session, owner, range);
            settle(key, s);
            return;
          }
          if (wait.isZero()) {
            throw new FsException(FsError.AGAIN, "range of " + key + " is locked by another owner");
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new FsException(FsError.TIMED_OUT,
                "range of " + key + " still locked by another owner after " + wait.toMillis() + " ms");
          }
          TimeUnit.NANOSECONDS.timedWait(s, Math.min(left, RECHECK_NANOS));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for a lock on " + key);
    } finally {
      slots.unuse(key, s);
    }
  }

  Optional<LockRange> conflict(String key, String session, long owner, LockRange range) throws FsException {
    PosixSlot s = slots.use(key);
    try {
      synchronized (s) {
        s.set = s.set.retainSessions(alive);
        Optional<LockRangeSet.Held> c = s.set.conflict(session, owner, range);
        settle(key, s);
        return c.map(LockRangeSet.Held::range);
      }
    } finally {
      slots.unuse(key, s);
    }
  }

  void releaseOwner(String key, String session, long owner) {
    PosixSlot s = slots.use(key);
    try {
      synchronized (s) {
        s.set = s.set.withoutOwner(session, owner);
        settle(key, s);
      }
    } finally {
      slots.unuse(key, s);
    }
  }

  /** Drops the locks of sessions that are no longer alive and wakes their waiters. */
  void dropDeadSessions() {
    slots.forEach((key, s) -> {
      synchronized (s) {
        s.set = s.set.retainSessions(alive);
        settle(key, s);
      }
    });
  }

  /** Keeps the slot while it holds locks; wakes waiters after every change. Called under the slot's monitor. */
  private void settle(String key, PosixSlot s) {
    if (!s.set.isEmpty() && !s.pinned) {
      slots.use(key);
      s.pinned = true;
    } else if (s.set.isEmpty() && s.pinned) {
      s.pinned = false;
      slots.unuse(key, s);
    }
    s.notifyAll();
  }
}
