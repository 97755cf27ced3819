package org.truckeefs.spi;

/** A source of nanosecond time for measuring intervals; injectable so tests can advance time by hand. */
@FunctionalInterface
public interface Ticker {
  long read();

  static Ticker system() {
    return System::nanoTime;
  }
}
