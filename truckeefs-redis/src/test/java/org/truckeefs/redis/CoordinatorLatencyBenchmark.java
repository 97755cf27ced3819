package org.truckeefs.redis;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.truckeefs.api.LockRange;
import org.truckeefs.core.LocalCoordinatorProvider;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.Ticker;

/**
 * Uncontended lock+unlock latency and single-thread throughput, local vs Redis (a benchmark, not a test: run it by
 * hand, see the module README). One thread, one key per operation kind, {@code N} timed rounds after a warm-up.
 */
public final class CoordinatorLatencyBenchmark {
  private static final int WARMUP = 3_000;
  private static final int N = 20_000;

  @FunctionalInterface
  interface Op {
    void run(Coordinator c, int i) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      BackendContext ctx = new BackendContext("bench-" + ProcessHandle.current().pid(), Path.of("unused"),
          Clock.systemUTC(), Ticker.system(), scheduler);
      System.out.printf("%-8s %-22s %10s %10s %12s%n", "backend", "operation", "p50 us", "p99 us", "ops/s");
      try (Coordinator local = new LocalCoordinatorProvider().create(URI.create("local:/"), BackendConfig.empty(), ctx)) {
        runAll("local", local);
      }
      try (Coordinator redis = new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:6379/0"),
          BackendConfig.of(Map.of("reset_redis", "false")), ctx)) {
        runAll("redis", redis);
        redis.reset();
      }
      RedisTestKeys.deleteNamespaces(java.util.List.of(ctx.filesystemId()));
    } finally {
      scheduler.shutdownNow();
    }
  }

  private static void runAll(String backend, Coordinator c) throws Exception {
    Duration w = Duration.ofSeconds(5);
    measure(backend, "writeLock+close", c, (x, i) -> x.writeLock("inode:1", w).close());
    measure(backend, "readLock+close", c, (x, i) -> x.readLock("inode:2", w).close());
    measure(backend, "permit+close", c, (x, i) -> {
      try (Lease l = x.acquirePermit("uploads", 8, w)) {
        // held for no time: the cost is the round trips
      }
    });
    measure(backend, "fcntl setlk+unlock", c, (x, i) -> {
      x.setPosixLock("inode:3", 1, new LockRange(LockRange.Type.WRITE, 0, 99, 1), Duration.ZERO);
      x.setPosixLock("inode:3", 1, new LockRange(LockRange.Type.UNLOCK, 0, 99, 1), Duration.ZERO);
    });
    measure(backend, "ephemeral put+get", c, (x, i) -> {
      x.putEphemeral("k", "v" + i, Duration.ofMinutes(1));
      x.getEphemeral("k");
    });
  }

  private static void measure(String backend, String name, Coordinator c, Op op) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      op.run(c, i);
    }
    long[] t = new long[N];
    long start = System.nanoTime();
    for (int i = 0; i < N; i++) {
      long s = System.nanoTime();
      op.run(c, i);
      t[i] = System.nanoTime() - s;
    }
    long total = System.nanoTime() - start;
    Arrays.sort(t);
    System.out.printf("%-8s %-22s %10.1f %10.1f %12.0f%n", backend, name, t[N / 2] / 1e3, t[N * 99 / 100] / 1e3,
        N / (total / 1e9));
  }
}
