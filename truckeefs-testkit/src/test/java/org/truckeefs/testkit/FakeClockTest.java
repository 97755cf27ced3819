package org.truckeefs.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class FakeClockTest {
  @Test
  void startsAtTheGivenInstantAndOnlyMovesWhenAdvanced() {
    FakeClock clock = new FakeClock(Instant.parse("2020-05-01T10:00:00Z"));
    assertThat(clock.instant()).isEqualTo(Instant.parse("2020-05-01T10:00:00Z"));
    clock.advance(Duration.ofMinutes(5));
    assertThat(clock.instant()).isEqualTo(Instant.parse("2020-05-01T10:05:00Z"));
    assertThat(clock.millis()).isEqualTo(Instant.parse("2020-05-01T10:05:00Z").toEpochMilli());
  }

  @Test
  void withZone_sharesTheSameTime() {
    FakeClock clock = new FakeClock();
    var paris = clock.withZone(ZoneId.of("Europe/Paris"));
    clock.advanceSeconds(60);
    assertThat(paris.instant()).isEqualTo(FakeClock.DEFAULT_START.plusSeconds(60));
    assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
  }

  @Test
  void setInstant_canJumpBackwards() {
    FakeClock clock = new FakeClock();
    clock.setInstant(Instant.EPOCH);
    assertThat(clock.instant()).isEqualTo(Instant.EPOCH);
  }
}
