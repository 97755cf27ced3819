package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLRecoverableException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.truckeefs.sql.CommitMarkers.AmbiguousCommit;

/**
 * The backoff between attempts: doubling from 2 ms, jittered down to half, never above 0.5 s nor overflowing; and
 * what an attempt whose COMMIT may have landed leads to.
 */
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

  @Test
  void ambiguousCommit_thatLanded_answersTheFirstAttemptsResult_withoutRunningAgain() throws Exception {
    List<Long> tokens = new ArrayList<>();
    List<Long> asked = new ArrayList<>();
    String r = new Retries(SqlEngine.MARIADB, null).retrying("test", token -> {
      tokens.add(token);
      throw new AmbiguousCommit("first", new SQLRecoverableException("gone", "08006"));
    }, token -> asked.add(token), null);
    assertThat(r).isEqualTo("first");
    assertThat(tokens).hasSize(1);
    assertThat(asked).as("the landed check is asked about the attempt's own token").isEqualTo(tokens);
  }

  @Test
  void ambiguousCommit_thatDidNotLand_runsAgainWithANewToken() throws Exception {
    List<Long> tokens = new ArrayList<>();
    String r = new Retries(SqlEngine.MARIADB, null).retrying("test", token -> {
      tokens.add(token);
      if (tokens.size() == 1) {
        throw new AmbiguousCommit("first", new SQLRecoverableException("gone", "08006"));
      }
      return "second";
    }, token -> false, null);
    assertThat(r).isEqualTo("second");
    assertThat(tokens).hasSize(2).doesNotHaveDuplicates();
  }
}
