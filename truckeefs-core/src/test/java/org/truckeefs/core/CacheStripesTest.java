package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.truckeefs.testkit.FakeTicker;

class CacheStripesTest {
  private final FakeTicker ticker = new FakeTicker();
  private final CacheStripes<String, String> cache = new CacheStripes<>(Duration.ofSeconds(1), 100, ticker);

  @Test
  void aReadBegunBeforeAnInvalidation_doesNotCacheWhatItRead() {
    long[] stamp = cache.stamp();
    cache.invalidate("k"); // a writer changed the row after the reader read it
    cache.put("k", "old", stamp);
    assertThat(cache.get("k")).isNull();

    long[] later = cache.stamp();
    cache.put("k", "new", later);
    assertThat(cache.get("k")).isEqualTo("new");
  }

  @Test
  void clear_beatsEveryReadInFlight() {
    long[] stamp = cache.stamp();
    cache.put("a", "1", cache.stamp());
    cache.clear();
    cache.put("b", "2", stamp);
    assertThat(cache.get("a")).isNull();
    assertThat(cache.get("b")).isNull();
  }

  @Test
  void entriesExpireAfterTheTtl() {
    cache.put("k", "v", cache.stamp());
    ticker.advance(Duration.ofMillis(999));
    assertThat(cache.get("k")).isEqualTo("v");
    ticker.advance(Duration.ofMillis(2));
    assertThat(cache.get("k")).isNull();
  }

  @Test
  void sizeIsBounded() {
    for (int i = 0; i < 1_000; i++) {
      cache.put("k" + i, "v", cache.stamp());
    }
    assertThat(cache.size()).isLessThanOrEqualTo(100);
  }

  @Test
  void replace_cachesAChangesResult_andNoReadBegunBeforeItCanCacheAnOlderOne() {
    long[] reader = cache.stamp(); // a lookup read "absent" before the create committed
    long[] writer = cache.stamp();
    cache.replace("k", "created", writer);
    assertThat(cache.get("k")).isEqualTo("created");
    cache.put("k", "absent", reader);
    assertThat(cache.get("k")).isEqualTo("created");
    cache.put("other", "v", writer); // the change's own replace does not refuse its later puts
    assertThat(cache.get("other")).isEqualTo("v");
  }

  @Test
  void replace_forgetsTheKey_whenAnotherChangeCameBetween() {
    cache.put("k", "v0", cache.stamp());
    long[] writer = cache.stamp();
    cache.invalidate("k"); // another change, applied after this one and invalidated before it replaces
    cache.replace("k", "v1", writer);
    assertThat(cache.get("k")).isNull();
  }

  @Test
  void withAnUpkeepExecutor_expiredEntriesAreDroppedInTheBackground_notByTheNextCaller() throws Exception {
    ScheduledExecutorService upkeep = Executors.newSingleThreadScheduledExecutor();
    try {
      CacheStripes<Integer, String> c = new CacheStripes<>(Duration.ofMillis(100), 10_000, ticker, upkeep);
      for (int i = 0; i < 1000; i++) {
        c.put(i, "v", c.stamp());
      }
      ticker.advance(Duration.ofSeconds(1));
      assertThat(c.get(1)).isNull(); // expiry never waits for upkeep
      // nobody touches the cache: the upkeep scheduled for the expiry drops them
      await().atMost(Duration.ofSeconds(10)).until(() -> c.size() == 0);
    } finally {
      upkeep.shutdownNow();
    }
  }

  @Test
  void afterTheUpkeepExecutorIsShutDown_theCacheStillWorks() {
    ScheduledExecutorService upkeep = Executors.newSingleThreadScheduledExecutor();
    upkeep.shutdownNow();
    CacheStripes<Integer, String> c = new CacheStripes<>(Duration.ofSeconds(1), 10, ticker, upkeep);
    for (int i = 0; i < 100; i++) {
      c.put(i, "v", c.stamp());
    }
    assertThat(c.get(99)).isEqualTo("v");
    assertThat(c.size()).isLessThanOrEqualTo(10); // eviction ran on the caller's thread instead
  }

  /**
   * Upkeep after a write is asked for {@link CacheStripes#UPKEEP_DELAY} later, not at once: the writes made meanwhile
   * share that one run instead of handing one task each to the upkeep thread.
   *
   * <p>The upkeep thread is kept busy until the burst has been counted: once the upkeep runs, it also schedules itself
   * for when the entries expire (the ttl, a minute here), and a test thread slower than the 2 ms delay would count
   * that too.
   */
  @Test
  void upkeepAfterWrites_isDelayed_soThatABurstSharesOneRun() throws Exception {
    List<Long> delays = new CopyOnWriteArrayList<>();
    ScheduledThreadPoolExecutor upkeep = new ScheduledThreadPoolExecutor(1) {
      @Override
      public ScheduledFuture<?> schedule(Runnable r, long delay, TimeUnit unit) {
        delays.add(unit.toNanos(delay));
        return super.schedule(r, delay, unit);
      }
    };
    CountDownLatch busy = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      upkeep.execute(() -> {
        busy.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      assertThat(busy.await(30, TimeUnit.SECONDS)).as("the upkeep thread is busy").isTrue();
      delays.clear();
      CacheStripes<Integer, String> c = new CacheStripes<>(Duration.ofMinutes(1), 10_000, ticker, upkeep);
      c.put(1, "one", c.stamp());
      assertThat(delays).containsExactly(CacheStripes.UPKEEP_DELAY.toNanos());
      for (int i = 2; i <= 100; i++) {
        c.put(i, "v" + i, c.stamp());
      }
      assertThat(delays).as("upkeep asked for by the burst").containsExactly(CacheStripes.UPKEEP_DELAY.toNanos());

      release.countDown();
      await().atMost(Duration.ofSeconds(30)).until(() -> upkeep.getCompletedTaskCount() >= 2);
      assertThat(c.get(100)).isEqualTo("v100");
    } finally {
      release.countDown();
      upkeep.shutdownNow();
    }
  }
}
