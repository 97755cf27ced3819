package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.Ticker;
import org.truckeefs.testkit.RequiredService;

/**
 * Redis going away and coming back, on a private throw-away {@code redis-server} on port 6390 (never the shared
 * server on 6379, which other engineers use). The server is started without persistence and always shut down.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RedisOutageIT {
  private static final int PORT = 6390;
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @BeforeAll
  static void startPrivateRedis() throws Exception {
    RequiredService.require(canRun("redis-server"), "redis-server is not installed");
    RequiredService.require(!RequiredService.canConnect("127.0.0.1", PORT), "port " + PORT + " is taken");
    start();
  }

  @AfterAll
  static void stopPrivateRedis() throws Exception {
    stop();
  }

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  private static boolean canRun(String command) {
    try {
      return new ProcessBuilder(command, "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  private static void start() throws Exception {
    Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(PORT), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "yes").inheritIO().start();
    assertThat(p.waitFor()).isZero();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!RequiredService.canConnect("127.0.0.1", PORT)) {
      assertThat(System.nanoTime()).as("redis-server on port " + PORT + " started").isLessThan(deadline);
      Thread.sleep(50);
    }
  }

  private static void stop() throws Exception {
    if (RequiredService.canConnect("127.0.0.1", PORT)) {
      new ProcessBuilder("redis-cli", "-p", String.valueOf(PORT), "shutdown", "nosave").inheritIO().start().waitFor();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (RequiredService.canConnect("127.0.0.1", PORT) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private Coordinator coordinator(String ns) throws FsException {
    BackendContext ctx = new BackendContext(ns, Path.of("unused"), Clock.systemUTC(), Ticker.system(), scheduler);
    return new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:" + PORT + "/0"),
        BackendConfig.of(Map.of("redis_timeout", "1s", "redis_session_ttl", "3s")), ctx);
  }

  @Test
  void redisDown_failsWithinTheTimeout_withAnErrno_andServiceResumesWhenBack() throws Exception {
    try (Coordinator c = coordinator("outage")) {
      c.putEphemeral("k", "v", Duration.ofMinutes(1));
      stop();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> c.writeLock("inode:1", Duration.ofSeconds(1)))
          .isInstanceOf(FsException.class)
          .satisfies(e -> assertThat(((FsException) e).error()).isIn(FsError.IO, FsError.TIMED_OUT));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
      start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      Lease lease = null;
      while (lease == null) {
        try {
          lease = c.writeLock("inode:1", Duration.ofSeconds(1));
        } catch (FsException e) {
          assertThat(System.nanoTime()).as("Redis usable again after restart").isLessThan(deadline);
          Thread.sleep(200);
        }
      }
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
                Thread.sleep(100);
              }
            }
            Thread.sleep(5);
          }
          return (Object) null;
        })).toList();
        while (done.get() < rounds / 2) {
          Thread.sleep(10);
        }
        stop();
        Thread.sleep(1500);
        start();
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
