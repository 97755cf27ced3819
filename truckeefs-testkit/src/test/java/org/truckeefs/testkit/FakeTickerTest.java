package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FakeTickerTest {
  @Test
  void advancesByExactlyTheGivenAmount() {
    FakeTicker t = new FakeTicker(100);
    assertThat(t.read()).isEqualTo(100);
    t.advance(Duration.ofMillis(3));
    assertThat(t.read()).isEqualTo(100 + 3_000_000);
    t.advanceSeconds(1).advanceNanos(7);
    assertThat(t.read()).isEqualTo(100 + 3_000_000 + 1_000_000_000L + 7);
  }

  @Test
  void refusesToGoBackwards() {
    FakeTicker t = new FakeTicker();
    assertThatThrownBy(() -> t.advanceNanos(-1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(t.read()).isZero();
  }
}
