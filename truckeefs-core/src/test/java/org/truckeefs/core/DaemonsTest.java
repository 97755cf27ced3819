package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;

/** Daemons and worker pools: scheduled, cancelled, and only what RiverFS made is shut down. */
class DaemonsTest {
  static ScheduledThreadPoolExecutor scheduler() {
    ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1);
    s.setRemoveOnCancelPolicy(true);
    return s;
  }

  @Test
  void aDaemonRunsRepeatedly_untilStopped() throws Exception {
    ScheduledThreadPoolExecutor s = scheduler();
    try {
      Daemons d = new Daemons(s, false);
      CountDownLatch runs = new CountDownLatch(3);
      d.every(Duration.ofMillis(5), runs::countDown);
      assertThat(runs.await(30, TimeUnit.SECONDS)).isTrue();
      d.stop();
      assertThat(s.getQueue()).isEmpty();
    } finally {
      s.shutdownNow();
    }
  }

  @Test
  void aZeroPeriod_schedulesNothing() {
    ScheduledThreadPoolExecutor s = scheduler();
    try {
      new Daemons(s, false).every(Duration.ZERO, () -> { });
      assertThat(s.getQueue()).isEmpty();
    } finally {
      s.shutdownNow();
    }
  }

  @Test
  void shutdown_stopsAnOwnedScheduler_leavesTheCallersAlone() {
    ScheduledThreadPoolExecutor mine = scheduler();
    ScheduledThreadPoolExecutor theirs = scheduler();
    try {
      new Daemons(mine, true).shutdown();
      new Daemons(theirs, false).shutdown();
      assertThat(mine.isShutdown()).isTrue();
      assertThat(theirs.isShutdown()).isFalse();
    } finally {
      theirs.shutdownNow();
    }
  }

  @Test
  void anOnDemandPass_afterShutdown_isDroppedQuietly() {
    ScheduledThreadPoolExecutor s = scheduler();
    Daemons d = new Daemons(s, true);
    d.shutdown();
    d.soon(() -> { });
    assertThat(s.isShutdown()).isTrue();
  }

  @Test
  void workerPools_closeOnlyThePoolsTheyMade() throws FsException {
    ExecutorService uploads = Executors.newSingleThreadExecutor();
    ExecutorService puts = Executors.newSingleThreadExecutor();
    try {
      RiverFsConfig config = RiverFsConfig.builder().dataDir(Path.of("unused")).metadataUri("memory:")
          .uploadExecutors(uploads, puts).build();
      WorkerPools pools = new WorkerPools(config);
      assertThat(pools.uploads).isSameAs(uploads);
      assertThat(pools.puts).isSameAs(puts);
      pools.close();
      assertThat(uploads.isShutdown()).isFalse();
      assertThat(puts.isShutdown()).isFalse();
      assertThat(pools.readAhead.isShutdown()).isTrue();
    } finally {
      uploads.shutdownNow();
      puts.shutdownNow();
    }
  }

  @Test
  void uploadsAndPuts_mustBeDifferentExecutors() {
    ExecutorService one = Executors.newSingleThreadExecutor();
    try {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> RiverFsConfig.builder().dataDir(Path.of("unused"))
          .metadataUri("memory:").uploadExecutors(one, one).build()).isInstanceOf(FsException.class)
          .hasMessageContaining("different");
    } finally {
      one.shutdownNow();
    }
  }
}
