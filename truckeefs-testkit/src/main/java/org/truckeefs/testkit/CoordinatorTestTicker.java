package org.truckeefs.testkit;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.spi.Ticker;

/** A ticker the coordinator contract tests advance by hand (replace with the testkit's FakeTicker once it lands). */
public final class CoordinatorTestTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  @Override
  public long read() {
    return nanos.get();
  }

  public void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }
}
