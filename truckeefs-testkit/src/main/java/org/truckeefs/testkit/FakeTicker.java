package org.truckeefs.testkit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.spi.Ticker;

/**
 * A monotonic nanosecond source that only moves when a test advances it, so timeouts and expiries can be tested
 * without sleeping. Thread-safe. Refuses to go backwards: a {@link Ticker} is monotonic by contract.
 */
public final class FakeTicker implements Ticker {
  private final AtomicLong nanos;

  public FakeTicker() {
    this(0);
  }

  public FakeTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  public FakeTicker advance(Duration d) {
    Objects.requireNonNull(d, "d");
    return advanceNanos(d.toNanos());
  }

  public FakeTicker advanceNanos(long delta) {
    if (delta < 0) {
      throw new IllegalArgumentException("a ticker never goes backwards: " + delta + " ns");
    }
    nanos.addAndGet(delta);
    return this;
  }

  public FakeTicker advanceSeconds(long seconds) {
    return advance(Duration.ofSeconds(seconds));
  }

  @Override
  public String toString() {
    return "FakeTicker[" + nanos.get() + " ns]";
  }
}
