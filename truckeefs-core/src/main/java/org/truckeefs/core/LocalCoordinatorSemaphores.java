package org.truckeefs.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.Ticker;

/**
 * Named counting semaphores whose permits expire: a permit not returned within its timeout (measured on the
 * injected ticker) no longer counts, as the seed's Redis semaphores did for crashed processes.
 */
final class LocalCoordinatorSemaphores {
  /** Waiters re-check at least this often, so an expiry on a fake ticker is noticed without a release. */
  private static final long RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

  static final class Permit {
    private final long expiresAt;

    private Permit(long expiresAt) {
      this.expiresAt = expiresAt;
    }
  }

  private static final class SemSlot extends LocalLockSlots.Slot {
    private final List<Permit> held = new ArrayList<>();
  }

  /** A granted permit and how to give it back. */
  record Grant(Permit permit, Runnable release) {}

  private final LocalLockSlots<SemSlot> slots = new LocalLockSlots<>(SemSlot::new);
  private final Ticker ticker;

  LocalCoordinatorSemaphores(Ticker ticker) {
    this.ticker = ticker;
  }

  Grant acquire(String name, int permits, Duration timeout, Duration wait) throws FsException {
    if (permits < 1) {
      throw new FsException(FsError.INVALID, "semaphore " + name + " needs at least one permit, got " + permits);
    }
    SemSlot s = slots.use(name);
    Permit granted = null;
    try {
      granted = take(s, permits, timeout, wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for a permit of " + name);
    } finally {
      if (granted == null) {
        slots.unuse(name, s);
      }
    }
    if (granted == null) {
      throw new FsException(FsError.TIMED_OUT,
          "no permit of semaphore " + name + " (" + permits + " permits) within " + wait.toMillis() + " ms");
    }
    Permit p = granted;
    return new Grant(p, () -> {
      synchronized (s) {
        s.held.remove(p);
        s.notifyAll();
      }
      slots.unuse(name, s);
    });
  }

  boolean isLive(Permit p) {
    return ticker.read() - p.expiresAt < 0;
  }

  private Permit take(SemSlot s, int permits, Duration timeout, Duration wait) throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    synchronized (s) {
      while (true) {
        long now = ticker.read();
        s.held.removeIf(p -> now - p.expiresAt >= 0);
        if (s.held.size() < permits) {
          Permit p = new Permit(now + timeout.toNanos());
          s.held.add(p);
          return p;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(s, Math.min(left, RECHECK_NANOS));
      }
    }
  }
}
