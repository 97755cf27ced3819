package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;

/**
 * Redis going away and coming back, on a private throw-away {@code redis-server} on port 6390 (never the shared
 * server on 6379, which other engineers use). The server is started without persistence and always shut down.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisOutageIT {
  private static final int PORT = 6390;
  @RegisterExtension
  static final PrivateRedis REDIS = new PrivateRedis(PORT);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  private Coordinator coordinator(String ns) throws FsException {
    return REDIS.coordinator(ns, Map.of("redis_timeout", "1s", "redis_session_ttl", "3s"), scheduler);
  }

  @Test
  void redisDown_failsWithinTheTimeout_withAnErrno_andServiceResumesWhenBack() throws Exception {
    try (Coordinator c = coordinator("outage")) {
      c.putEphemeral("k", "v", Duration.ofMinutes(1));
      REDIS.stop();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> c.writeLock("inode:1", Duration.ofSeconds(1)))
          .isInstanceOf(FsException.class)
          .satisfies(e -> assertThat(((FsException) e).error()).isIn(FsError.IO, FsError.TIMED_OUT));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      REDIS.start();
      Lease lease = await("Redis usable again after restart").atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(200)).pollInSameThread().ignoreException(FsException.class)
          .until(() -> c.writeLock("inode:1", Duration.ofSeconds(1)), l -> l != null);
      assertThat(lease.isValid()).isTrue();
      assertThat(c.liveSessions()).contains(c.sessionId());
      lease.close();
      c.putEphemeral("k", "again", Duration.ofMinutes(1));
      assertThat(c.getEphemeral("k")).contains("again");
    }
  }

  @Test
  void restartInTheMiddleOfAWorkload_workloadFinishes_andLeavesNoLocksBehind() throws Exception {
    int rounds = 150;
    Set<String> errors = ConcurrentHashMap.newKeySet();
    try (Coordinator a = coordinator("workload"); Coordinator b = coordinator("workload")) {
      AtomicInteger done = new AtomicInteger();
      var pool = Executors.newFixedThreadPool(2);
      try {
        List<Future<Object>> hosts = List.of(a, b).stream().map(c -> pool.submit(() -> {
          for (int i = 0; i < rounds; i++) {
            while (true) {
              try (Lease l = c.writeLock("inode:7", Duration.ofSeconds(2))) {
                c.setPosixLock("inode:7", 1, new LockRange(LockRange.Type.WRITE, i, i, 1), Duration.ofSeconds(2));
                c.putEphemeral("last", c.sessionId() + ":" + i, Duration.ofMinutes(1));
                c.releasePosixLocks("inode:7", 1);
                done.incrementAndGet();
                break;
              } catch (FsException e) {
                errors.add(e.error().symbol());
                Thread.sleep(100); // a client's back-off while Redis is away, not a wait for a condition
              }
            }
            Thread.sleep(5); // paces the workload so that it spans the restart
          }
          return (Object) null;
        })).toList();
        await("half the workload done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
            .until(() -> done.get() >= rounds / 2);
        REDIS.outage(Duration.ofMillis(1500));
        for (Future<Object> h : hosts) {
          h.get(60, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(done.get()).isEqualTo(2 * rounds);
      assertThat(errors).isSubsetOf("EIO", "ETIMEDOUT");
      try (Coordinator c = coordinator("workload")) {
        try (Lease l = c.writeLock("inode:7", Duration.ZERO)) {
          assertThat(l.isValid()).isTrue();
        }
        assertThat(c.findPosixConflict("inode:7", 9, new LockRange(LockRange.Type.WRITE, 0, Long.MAX_VALUE, 9)))
            .isEmpty();
      }
    }
  }
}
