package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirSyncTest {
  @TempDir Path dir;

  @Test
  void callersArrivingWhileARoundRuns_shareTheNextRound_andEachWaitsForAForceStartedAfterItsCall()
      throws Exception {
    CountDownLatch firstStarted = new CountDownLatch(1);
    CompletableFuture<Void> releaseFirst = new CompletableFuture<>();
    List<Path> forced = new CopyOnWriteArrayList<>();
    DirSync sync = new DirSync(d -> {
      forced.add(d);
      if (forced.size() == 1) {
        firstStarted.countDown();
        releaseFirst.join();
      }
    });
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      Future<?> first = pool.submit(() -> {
        sync.force(dir.resolve("a"));
        return null;
      });
      assertThat(firstStarted.await(10, TimeUnit.SECONDS)).isTrue();
      List<Future<?>> later = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        Path d = dir.resolve(i % 2 == 0 ? "a" : "b");
        later.add(pool.submit(() -> {
          sync.force(d);
          return null;
        }));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (sync.queued() < 5 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(sync.queued()).isEqualTo(5);
      // none of them may return on the round that began before they asked (it could miss their names)
      assertThat(later).noneMatch(Future::isDone);
      releaseFirst.complete(null);
      first.get(10, TimeUnit.SECONDS);
      for (Future<?> f : later) {
        f.get(10, TimeUnit.SECONDS);
      }
      // one round for the first caller, then one round (a and b once each) for the five that came while it ran
      assertThat(forced).hasSize(3);
      assertThat(forced.subList(1, 3)).containsExactlyInAnyOrder(dir.resolve("a"), dir.resolve("b"));
    } finally {
      releaseFirst.complete(null);
      pool.shutdownNow();
    }
  }

  @Test
  void aFailedForce_isReportedToEveryCallerOfItsRound_andTheNextRoundTriesAgain() throws Exception {
    List<Path> forced = new CopyOnWriteArrayList<>();
    DirSync sync = new DirSync(d -> {
      forced.add(d);
      if (forced.size() == 1) {
        throw new IOException("No space left on device");
      }
    });
    assertThatThrownBy(() -> sync.force(dir)).isInstanceOf(IOException.class)
        .satisfies(e -> assertThat(DiskErrors.isNoSpace(e)).isTrue());
    sync.force(dir);
    assertThat(forced).hasSize(2);
  }

  @Test
  void forcesARealDirectory() throws Exception {
    new DirSync().force(dir);
  }
}
