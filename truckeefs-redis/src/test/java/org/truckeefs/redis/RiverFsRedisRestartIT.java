package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.truckeefs.redis.MultiHostHarness.create;
import static org.truckeefs.redis.MultiHostHarness.readAll;
import static org.truckeefs.redis.MultiHostHarness.write;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.RequiredService;

/**
 * Redis restarted (empty: no persistence) in the middle of a two-host RiverFS workload, on a private
 * {@code redis-server}: operations that need Redis fail with an errno within the timeout while it is away and are
 * retried by the workload; when it is back the workload finishes, and no byte is lost or torn.
 */
@Timeout(value = 100, unit = TimeUnit.SECONDS)
class RiverFsRedisRestartIT {
  private static final int PORT = 6391;
  @TempDir Path dir;
  @RegisterExtension
  final PrivateRedis redis = new PrivateRedis(PORT);
  private MultiHostHarness net;

  @BeforeEach
  void openHosts() throws Exception {
    RequiredService.requireMariaDb();
    net = new MultiHostHarness(dir, PORT, Map.of("redis_timeout", "1s", "redis_session_ttl", "3s"));
  }

  @AfterEach
  void closeHosts() throws Exception {
    if (net != null) {
      net.close();
    }
  }

  private interface Step {
    void run() throws FsException;
  }

  /** The workload's retry: an errno while Redis is away, then success once it is back. */
  private static void retry(Step s, Set<String> errors) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        s.run();
        return;
      } catch (FsException e) {
        errors.add(e.error().symbol());
        assertThat(System.nanoTime()).as("Redis back within a minute").isLessThan(deadline);
        // The workload's own back-off, on its own thread, step after step: not a test waiting for a condition.
        Thread.sleep(100);
      }
    }
  }

  private static String content(String tag, int i) {
    return (tag + "-" + i + ":").repeat(50);
  }

  @Test
  void restartMidWorkload_everyFileAndEveryByteRangeIsIntact() throws Exception {
    RiverFS a = net.host("a");
    RiverFS b = net.host("b");
    int files = 40;
    int slot = 8;
    long sh = create(a, "shared");
    a.fsync(sh, false);
    a.release(sh);
    Set<String> errors = ConcurrentHashMap.newKeySet();
    AtomicInteger progress = new AtomicInteger();
    var pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Object>> done = new ArrayList<>();
      for (RiverFS fs : List.of(a, b)) {
        String tag = fs == a ? "A" : "B";
        int parity = fs == a ? 0 : 1;
        done.add(pool.submit(() -> {
          for (int i = 0; i < files; i++) {
            int n = i;
            long[] h = new long[1];
            retry(() -> h[0] = create(fs, tag + n), errors);
            retry(() -> write(fs, h[0], 0, content(tag, n)), errors);
            retry(() -> fs.fsync(h[0], false), errors);
            fs.release(h[0]);
            // disjoint slots of one shared file: the two hosts' commits conflict and must rebase byte-exactly
            long[] s = new long[1];
            retry(() -> s[0] = MultiHostHarness.open(fs, "shared", OpenFlags.O_RDWR), errors);
            retry(() -> write(fs, s[0], (2L * n + parity) * slot, String.format("%s%06d\n", tag, n)), errors);
            retry(() -> fs.fsync(s[0], false), errors);
            fs.release(s[0]);
            progress.incrementAndGet();
          }
          return null;
        }));
      }
      await("half the workload done").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10))
          .until(() -> progress.get() >= files / 2);
      redis.outage(Duration.ofMillis(1500));
      for (Future<Object> f : done) {
        f.get(90, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(errors).isSubsetOf("EIO", "ETIMEDOUT");
    a.syncAll();
    b.syncAll();
    StringBuilder expect = new StringBuilder();
    for (int i = 0; i < files; i++) {
      assertThat(readAll(b, "A" + i)).isEqualTo(content("A", i));
      assertThat(readAll(a, "B" + i)).isEqualTo(content("B", i));
      expect.append(String.format("A%06d\n", i)).append(String.format("B%06d\n", i));
    }
    assertThat(readAll(a, "shared")).isEqualTo(expect.toString());
    assertThat(readAll(b, "shared")).isEqualTo(expect.toString());
  }
}
