package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.Coordinator;

/**
 * The removal of an ephemeral key (an open mark at a FUSE release) is sent without waiting for Redis, and a later
 * put or get of the key on the same host still sees it applied. A private {@code redis-server} on port 6394, so that
 * {@code CLIENT PAUSE} stalls no one else.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisEphemeralOrderIT {
  private static final int PORT = 6394;
  private static final Duration PAUSE = Duration.ofMillis(1_500);
  @RegisterExtension
  static final PrivateRedis REDIS = new PrivateRedis(PORT);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  private Coordinator coordinator(String ns) throws FsException {
    return REDIS.coordinator(ns, Map.of("redis_timeout", "6s"), scheduler);
  }

  /** Redis answers nothing (from any client) for {@link #PAUSE}; commands sent meanwhile queue up. */
  private static void pauseRedis() throws Exception {
    Process p = new ProcessBuilder("redis-cli", "-p", String.valueOf(PORT), "CLIENT", "PAUSE",
        String.valueOf(PAUSE.toMillis()), "ALL").redirectErrorStream(true).start();
    assertThat(new String(p.getInputStream().readAllBytes()).trim()).isEqualTo("OK");
    assertThat(p.waitFor()).isZero();
  }

  @Test
  void remove_returnsBeforeRedisAnswers() throws Exception {
    try (Coordinator c = coordinator("order-async")) {
      c.putEphemeral("open:1", "host", Duration.ofMinutes(1));
      pauseRedis();
      long t0 = System.nanoTime();
      c.removeEphemeral("open:1");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(PAUSE.dividedBy(2));
      assertThat(c.getEphemeral("open:1")).as("read after the removal, once Redis answers").isEmpty();
    }
  }

  @Test
  void aPutWithoutWait_returnsBeforeRedisAnswers_andAnotherHostThenSeesIt() throws Exception {
    try (Coordinator a = coordinator("order-nowait"); Coordinator b = coordinator("order-nowait")) {
      pauseRedis();
      long t0 = System.nanoTime();
      a.putEphemeralNoWait("open:6", "host", Duration.ofMinutes(1));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(PAUSE.dividedBy(2));
      assertThat(a.getEphemeral("open:6")).as("this host, once Redis answers").contains("host");
      assertThat(b.getEphemeral("open:6")).contains("host");
    }
  }

  /**
   * The DEL goes out on another connection than the SET, so it waits for the SET's answer (else it could land first
   * and leave the key behind): with Redis paused, the removal returns only once Redis answers again.
   */
  @Test
  void aRemoveAfterAnUnansweredPutWithoutWait_waitsForItsAnswer() throws Exception {
    try (Coordinator a = coordinator("order-nowait-rm"); Coordinator b = coordinator("order-nowait-rm")) {
      pauseRedis();
      a.putEphemeralNoWait("open:7", "host", Duration.ofMinutes(1));
      long t0 = System.nanoTime();
      a.removeEphemeral("open:7");
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("the removal waited for the put's answer")
          .isGreaterThan(PAUSE.dividedBy(3));
      assertThat(a.getEphemeral("open:7")).isEmpty();
      assertThat(b.getEphemeral("open:7")).isEmpty();
    }
  }

  @Test
  void putAfterAnUnconfirmedRemove_endsWithTheKeyPresent_forAnotherHostToo() throws Exception {
    try (Coordinator a = coordinator("order-put"); Coordinator b = coordinator("order-put")) {
      a.putEphemeral("open:2", "first", Duration.ofMinutes(1));
      pauseRedis();
      a.removeEphemeral("open:2");
      a.putEphemeral("open:2", "second", Duration.ofMinutes(1));
      assertThat(b.getEphemeral("open:2")).contains("second");
    }
  }

  @Test
  void putAfterARemoveThatIsHeldBack_waitsForIt_andTheKeyStaysPresent() throws Exception {
    try (Coordinator a = coordinator("order-held"); Coordinator b = coordinator("order-held")) {
      // The DEL leaves 300 ms late, as if its connection were slow: a put that did not wait would land first.
      ((RedisCoordinator) a).removalSender = send -> CompletableFuture.supplyAsync(send,
          CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS));
      a.putEphemeral("open:5", "first", Duration.ofMinutes(1));
      a.removeEphemeral("open:5");
      a.putEphemeral("open:5", "second", Duration.ofMinutes(1));
      assertThat(a.getEphemeral("open:5")).as("once the removal is through").contains("second");
      assertThat(b.getEphemeral("open:5")).contains("second");
    }
  }

  @Test
  void closeAndReopen_manyTimes_leavesTheMarkOfTheLastOpen() throws Exception {
    try (Coordinator a = coordinator("order-loop"); Coordinator b = coordinator("order-loop")) {
      for (int i = 0; i < 500; i++) {
        a.putEphemeral("open:3", "v" + i, Duration.ofMinutes(1));
        a.removeEphemeral("open:3");
        a.putEphemeral("open:3", "w" + i, Duration.ofMinutes(1));
        assertThat(b.getEphemeral("open:3")).as("round %d", i).contains("w" + i);
        a.removeEphemeral("open:3");
      }
    }
  }

  @Test
  void close_waitsForRemovalsInFlight() throws Exception {
    try (Coordinator b = coordinator("order-close")) {
      Coordinator a = coordinator("order-close");
      a.putEphemeral("open:4", "host", Duration.ofMinutes(1));
      pauseRedis();
      a.removeEphemeral("open:4");
      a.close();
      assertThat(b.getEphemeral("open:4")).isEmpty();
    }
  }
}
