package org.truckeefs.testkit;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;

/**
 * A call a test expects to block (a lock, a permit), made on another thread. Instead of sleeping "long enough"
 * before asserting that it has not returned, the test makes the call through {@link #call} and
 * {@link #awaitBlocked waits} until the thread making it is parked (WAITING or TIMED_WAITING) inside it.
 */
public final class BlockingCall {
  private final AtomicReference<Thread> inside = new AtomicReference<>();
  private volatile boolean returned;

  /** Makes {@code c} on the current thread, which {@link #isBlocked} watches until it returns. */
  public <T> T call(Callable<T> c) throws Exception {
    returned = false;
    inside.set(Thread.currentThread());
    try {
      return c.call();
    } finally {
      inside.set(null);
      returned = true;
    }
  }

  /** Whether a thread is inside {@link #call} now and parked there. */
  public boolean isBlocked() {
    Thread t = inside.get();
    if (t == null) {
      return false;
    }
    Thread.State s = t.getState();
    return s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
  }

  /**
   * Waits (10 s at most) until the call is blocked, or has returned: a call that should have blocked but returned is
   * then reported by the test's own assertion on it.
   */
  public void awaitBlocked() {
    Awaitility.await("a thread parked inside the call").atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1)).until(() -> returned || isBlocked());
  }
}
