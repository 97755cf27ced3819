package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.truckeefs.core.TestFs.*;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.OpenFlags;

/** The meters RiverFsMetrics binds move with a workload: upload queue, cache, coordinator calls, lock waits. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RiverFsMetricsTest {
  static final long LIMIT = 4L * CHUNK;
  @TempDir Path tmp;
  ControlledBlobStore blobs;
  RiverFS fs;
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @BeforeEach
  void setUp() throws Exception {
    blobs = new ControlledBlobStore(new LocalBlobStore(tmp.resolve("blobs")));
    TestFs t = new TestFs(tmp, blobs);
    fs = RiverFS.open(t.config().cacheSize(LIMIT).cacheTtl(Duration.ofHours(1)).cacheMaintenance(false).build());
    RiverFsMetrics.of(fs).bindTo(registry);
  }

  @AfterEach
  void tearDown() throws Exception {
    blobs.failPuts = false;
    fs.close();
  }

  private double gauge(String name) {
    return registry.get(name).gauge().value();
  }

  private double counter(String name, String... tags) {
    FunctionCounter c = registry.get(name).tags(tags).functionCounter();
    return c.count();
  }

  @Test
  void anUploadThatCannotFinish_showsInTheQueueDepthAndAge_untilItIsCommitted() throws Exception {
    long h = createFile(fs, "a");
    write(fs, h, 0, pattern(CHUNK, 1));
    blobs.failPuts = true;
    assertThatThrownBy(() -> fs.fsync(h, false)).isInstanceOf(FsException.class);
    assertThat(gauge("truckeefs.uploads.pending")).isEqualTo(1);
    long t0 = System.nanoTime();
    while (System.nanoTime() - t0 < 20_000_000) {
      Thread.onSpinWait(); // the age is measured in nanoseconds: let some pass
    }
    assertThat(gauge("truckeefs.uploads.oldest.age")).isGreaterThanOrEqualTo(0.02);
    blobs.failPuts = false;
    fs.syncAll();
    assertThat(gauge("truckeefs.uploads.pending")).isZero();
    assertThat(gauge("truckeefs.uploads.oldest.age")).isZero();
    assertThat(gauge("truckeefs.mirror.lag")).as("no mirror on a local blob store").isZero();
  }

  @Test
  void cacheReads_countHitsMissesFetchesAndEvictions() throws Exception {
    for (int i = 0; i < 8; i++) {
      long h = createFile(fs, "f" + i);
      write(fs, h, 0, pattern(CHUNK, i));
      fs.fsync(h, false);
      fs.release(h);
    }
    fs.pruneCache(); // 8 chunks over a 4-chunk limit
    assertThat(counter("truckeefs.cache.evictions")).isGreaterThanOrEqualTo(3);
    assertThat(counter("truckeefs.cache.evicted")).isGreaterThanOrEqualTo(3.0 * CHUNK);
    for (int i = 0; i < 8; i++) {
      long r = fs.open(ROOT, lookup(fs, "f" + i).id(), OpenFlags.READ).handle();
      assertThat(read(fs, r, 0, CHUNK)).isEqualTo(pattern(CHUNK, i));
      assertThat(read(fs, r, 0, CHUNK)).isEqualTo(pattern(CHUNK, i)); // now cached
      fs.release(r);
    }
    double misses = counter("truckeefs.cache.reads", "result", "miss");
    double hits = counter("truckeefs.cache.reads", "result", "hit");
    assertThat(misses).as("the evicted files were fetched again").isGreaterThanOrEqualTo(3);
    assertThat(hits).as("second reads and the files still cached").isGreaterThanOrEqualTo(8);
    assertThat(counter("truckeefs.cache.fetched")).isGreaterThanOrEqualTo(misses * 1024);
  }

  @Test
  void coordinatorCallsAndBlockingLockWaits_areCounted() throws Exception {
    long h = createFile(fs, "l");
    fs.flock(h, 7, LockRange.Type.WRITE, true);
    fs.flock(h, 7, LockRange.Type.UNLOCK, false);
    FunctionTimer waits = registry.get("truckeefs.locks.waits").functionTimer();
    assertThat(waits.count()).isEqualTo(1);
    FunctionTimer setLock = registry.get("truckeefs.backend.calls").tags("backend", "coordinator", "op", "setPosixLock")
        .functionTimer();
    assertThat(setLock.count()).isGreaterThanOrEqualTo(2);
    fs.release(h);
  }
}
