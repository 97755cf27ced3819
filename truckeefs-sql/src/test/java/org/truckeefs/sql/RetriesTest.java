package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The backoff between attempts: doubling from 2 ms, jittered down to half, never above 0.5 s nor overflowing. */
class RetriesTest {
  private static final int SAMPLES = 200;

  @Test
  void pauseMicros_staysBetweenHalfAndAllOfADoublingCap() {
    for (int attempt = 1; attempt < Retries.MAX_ATTEMPTS; attempt++) {
      long cap = Math.min(Retries.MAX_BACKOFF_MICROS, Retries.FIRST_BACKOFF_MICROS << (attempt - 1));
      for (int i = 0; i < SAMPLES; i++) {
        assertThat(Retries.pauseMicros(attempt)).as("attempt %d", attempt).isBetween(cap / 2, cap);
      }
    }
  }

  @Test
  void pauseMicros_firstAttempt_waitsOneToTwoMilliseconds() {
    for (int i = 0; i < SAMPLES; i++) {
      assertThat(Retries.pauseMicros(1)).isBetween(1_000L, 2_000L);
    }
  }

  @Test
  void pauseMicros_farAttempt_isBoundedByTheMaximum() {
    for (int i = 0; i < SAMPLES; i++) {
      assertThat(Retries.pauseMicros(1_000)).isBetween(250_000L, 500_000L);
    }
  }
}
