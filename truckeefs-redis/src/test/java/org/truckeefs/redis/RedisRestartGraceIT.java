package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import org.redisson.api.RedissonClient;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;

/**
 * Locks across a Redis restart that loses everything (a private {@code redis-server} without persistence on port
 * 6392): the holder re-asserts, the waiter never gets the lock while the holder has it, and a lock that another host
 * took first is reported lost to its old holder instead of being held twice. Also the crash expiry
 * ({@code redis_session_ttl}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RedisRestartGraceIT {
  private static final int PORT = 6392;
  private static final LockRange WHOLE_W = new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 1);
  @RegisterExtension
  final PrivateRedis redis = new PrivateRedis(PORT);
  private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  private Coordinator host(String ns, Map<String, String> extra) throws FsException {
    Map<String, String> settings = new java.util.HashMap<>(Map.of("redis_timeout", "3s", "redis_session_ttl", "3s",
        "redis_grace_period", "3s"));
    settings.putAll(extra);
    return redis.coordinator(ns, settings, scheduler);
  }


  /** Whether the hash of {@code key} in Redis names a range of {@code session} (the holder's lock is there). */
  private static boolean storedLockOf(String ns, String key, String session) {
    RedissonClient r = RedisTestKeys.client(PORT);
    try {
      Object d = r.getMap("truckeefs:{" + ns + "}:plock:" + key, org.redisson.client.codec.StringCodec.INSTANCE)
          .get("d");
      return d != null && d.toString().contains(session);
    } catch (RuntimeException e) {
      return false;
    } finally {
      r.shutdown();
    }
  }

  private static boolean graceOver(String ns) {
    RedissonClient r = RedisTestKeys.client(PORT);
    try {
      return r.getBucket("truckeefs:{" + ns + "}:epoch").isExists() && !r.getBucket("truckeefs:{" + ns + "}:grace")
          .isExists();
    } catch (RuntimeException e) {
      return false;
    } finally {
      r.shutdown();
    }
  }

  @Test
  void aFlockHeldAcrossARestart_isNotGrantedToTheWaiter_untilTheHolderLetsGo() throws Exception {
    try (Coordinator a = host("grace", Map.of()); Coordinator b = host("grace", Map.of())) {
      a.setPosixLock("flock:2", 1, WHOLE_W, Duration.ZERO);
      CompletableFuture<Long> bGot = CompletableFuture.supplyAsync(() -> {
        try {
          b.setPosixLock("flock:2", 7, WHOLE_W, Duration.ofSeconds(90));
          return System.nanoTime();
        } catch (FsException e) {
          throw new RuntimeException(e);
        }
      });
      await("B is waiting on A's lock").atMost(Duration.ofSeconds(10))
          .until(() -> storedLockOf("grace", "flock:2", a.sessionId()));
      assertThat(bGot).isNotDone();

      redis.stop();
      redis.start(); // empty: no persistence

      // A re-asserts at its next heartbeat; the grace period keeps B out until then, and A's lock after.
      await("A's lock is back in Redis").atMost(Duration.ofSeconds(20))
          .until(() -> storedLockOf("grace", "flock:2", a.sessionId()));
      await("the grace period is over").atMost(Duration.ofSeconds(20))
          .until(() -> graceOver("grace"));
      assertThat(a.findPosixConflict("flock:2", 1, WHOLE_W)).isEmpty(); // A still holds it, for A
      assertThat(b.findPosixConflict("flock:2", 7, WHOLE_W)).isPresent(); // and B sees it held
      assertThat(bGot).as("B must not get the lock while A holds it").isNotDone();

      long released = System.nanoTime();
      a.releasePosixLocks("flock:2", 1);
      long got = bGot.get(30, TimeUnit.SECONDS);
      assertThat(got - released).isPositive();
      assertThat(b.findPosixConflict("flock:2", 7, WHOLE_W)).isEmpty();
      assertThat(a.findPosixConflict("flock:2", 1, WHOLE_W)).isPresent();
    }
  }

  @Test
  void readWriteLeasesAndOpenMarks_areReasserted() throws Exception {
    try (Coordinator a = host("reassert", Map.of()); Coordinator b = host("reassert", Map.of())) {
      Lease lease = a.writeLock("inode:5", Duration.ZERO);
      a.putEphemeral("open:5:" + a.sessionId(), "host-a", Duration.ofMinutes(5));
      redis.stop();
      redis.start();
      // B's grant meets the lost state first: it waits out the grace, and then A's re-asserted lease holds it off.
      assertThatThrownBy(() -> b.writeLock("inode:5", Duration.ofSeconds(8)))
          .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.TIMED_OUT));
      assertThat(b.getEphemeral("open:5:" + a.sessionId())).contains("host-a");
      assertThat(lease.isValid()).isTrue();
      lease.close();
      try (Lease l = b.writeLock("inode:5", Duration.ofSeconds(5))) {
        assertThat(l.isValid()).isTrue();
      }
    }
  }

  @Test
  void aLockTakenByANewHostBeforeTheHolderReasserted_isReportedLostToTheOldHolder() throws Exception {
    // A long session TTL keeps A's heartbeat (and so its re-assert) away while a new host takes the range.
    Map<String, String> slow = Map.of("redis_session_ttl", "60s", "redis_grace_period", "20s");
    try (Coordinator a = host("lost", slow)) {
      a.setPosixLock("flock:3", 1, WHOLE_W, Duration.ZERO);
      redis.stop();
      redis.start();
      try (Coordinator c = host("lost", slow)) { // new: it cannot know a host had state here, so no grace
        c.setPosixLock("flock:3", 4, WHOLE_W, Duration.ZERO);
        // A's next use of its lock meets the new epoch, re-asserts, finds C's lock: an error, never two holders.
        assertThatThrownBy(() -> a.setPosixLock("flock:3", 1, WHOLE_W, Duration.ZERO))
            .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.IO))
            .hasMessageContaining("lost");
        assertThat(a.findPosixConflict("flock:3", 1, WHOLE_W)).isPresent(); // C holds it, alone
        assertThat(c.findPosixConflict("flock:3", 4, WHOLE_W)).isEmpty();
        a.releasePosixLocks("flock:3", 1); // reported once; releasing what is gone is no error
        assertThat(a.findPosixConflict("flock:3", 1, WHOLE_W)).isPresent();
      }
    }
  }

  @Test
  void aCrashedHostsLocks_expireAfterTheSessionTtl() throws Exception {
    try (Coordinator b = host("crash", Map.of("redis_session_ttl", "2s"))) {
      RedisCoordinator a = (RedisCoordinator) host("crash", Map.of("redis_session_ttl", "2s"));
      a.setPosixLock("flock:9", 1, WHOLE_W, Duration.ZERO);
      long killed = System.nanoTime();
      a.kill(); // no release, no goodbye: as kill -9
      b.setPosixLock("flock:9", 2, WHOLE_W, Duration.ofSeconds(30));
      Duration waited = Duration.ofNanos(System.nanoTime() - killed);
      assertThat(waited).isBetween(Duration.ofMillis(500), Duration.ofSeconds(10));
    }
  }
}
