package org.truckeefs.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.truckeefs.spi.Ticker;

/**
 * A bounded, expiring map (Caffeine) whose puts of values read from a store cannot undo a later invalidation.
 *
 * <p>The race it closes: a reader reads a row, a writer changes the row and invalidates the key, then the reader
 * caches what it read, which is now stale. So keys hash to stripes that count their invalidations: a reader takes a
 * {@link #stamp()} before it reads the store and {@link #put}s only if its key's stripe saw no invalidation since.
 * Invalidations and guarded puts of one stripe take the stripe's lock, held only around the map operation (never
 * across a store call). A false conflict (another key of the stripe) only costs a cache miss.
 *
 * <p>The map's upkeep (dropping expired and evicted entries) runs on a background executor when one is given, and
 * is then also scheduled for when entries expire: done on the caller's thread, the first request after a burst of
 * entries expired dropped all of them inline (thousands of entries after {@code ls -l} or a create loop: several
 * milliseconds of a FUSE request, under a stripe's lock). Expiry itself never waits for upkeep: a read checks it.
 */
final class CacheStripes<K, V> {
  private static final int STRIPES = 64;
  /** How long upkeep waits to gather writes (far below any ttl: expiry never waits for upkeep anyway). */
  static final Duration UPKEEP_DELAY = Duration.ofMillis(2);

  private final Cache<K, V> map;
  private final AtomicLongArray invalidations = new AtomicLongArray(STRIPES);
  private final Object[] locks = new Object[STRIPES];

  /** Upkeep on the caller's thread (tests: deterministic). */
  CacheStripes(Duration ttl, long maxEntries, Ticker ticker) {
    this(ttl, maxEntries, ticker, null);
  }

  /** Upkeep on {@code upkeep} (and scheduled on it for when entries expire); null: on the caller's thread. */
  CacheStripes(Duration ttl, long maxEntries, Ticker ticker, ScheduledExecutorService upkeep) {
    Caffeine<Object, Object> b = Caffeine.newBuilder().maximumSize(maxEntries).expireAfterWrite(ttl)
        .ticker(ticker::read);
    if (upkeep == null) {
      b.executor(Runnable::run);
    } else {
      // A closed filesystem's scheduler refuses: the upkeep then runs here (or not at all), without Caffeine's warning
      // Delayed by UPKEEP_DELAY: Caffeine asks for upkeep after a write when none is pending, which at thousands of
      // creates and commits a second was one hand-off to the upkeep thread (a futex wake and a context switch) per
      // write. Writes made while one is pending need no other, so the delay gathers them into one run.
      Executor run = r -> {
        try {
          upkeep.schedule(r, UPKEEP_DELAY.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException closed) {
          r.run();
        }
      };
      b.executor(run).scheduler((executor, command, delay, unit) -> {
        try {
          return upkeep.schedule(() -> executor.execute(command), delay, unit);
        } catch (RejectedExecutionException closed) {
          return CompletableFuture.completedFuture(null);
        }
      });
    }
    this.map = b.build();
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  /** How many entries the map holds, expired ones its upkeep has not dropped yet included. */
  long size() {
    return map.estimatedSize();
  }

  /** The cached value, or null. */
  V get(K key) {
    return map.getIfPresent(key);
  }

  /** Take before reading the store; pass to {@link #put}. */
  long[] stamp() {
    long[] s = new long[STRIPES];
    for (int i = 0; i < STRIPES; i++) {
      s[i] = invalidations.get(i);
    }
    return s;
  }

  /** Caches {@code value} unless {@code key} was invalidated after {@code stamp} was taken. */
  void put(K key, V value, long[] stamp) {
    int i = stripe(key);
    synchronized (locks[i]) {
      if (invalidations.get(i) == stamp[i]) {
        map.put(key, value);
      }
    }
  }

  /**
   * After a change of the store that produced {@code key}'s new value: caches it unless {@code key}'s stripe saw an
   * invalidation since {@code stamp} (taken before the change; another change may have come after it), else forgets
   * it. Either way a read begun before this call cannot cache an older value. The stamp moves past this call's own
   * invalidation, so the same change can go on to {@link #put} or replace other keys with it.
   */
  void replace(K key, V value, long[] stamp) {
    int i = stripe(key);
    synchronized (locks[i]) {
      boolean current = invalidations.get(i) == stamp[i];
      long now = invalidations.incrementAndGet(i);
      if (current) {
        map.put(key, value);
        stamp[i] = now;
      } else {
        map.invalidate(key);
      }
    }
  }

  /** Forgets {@code key}; a read begun before this call cannot cache it again. Call after the store changed. */
  void invalidate(K key) {
    int i = stripe(key);
    synchronized (locks[i]) {
      invalidations.incrementAndGet(i);
      map.invalidate(key);
    }
  }

  /** Forgets everything (events may have been missed, or the store changed behind this cache). */
  void clear() {
    for (int i = 0; i < STRIPES; i++) {
      synchronized (locks[i]) {
        invalidations.incrementAndGet(i);
      }
    }
    map.invalidateAll();
  }

  private static int stripe(Object key) {
    int h = key.hashCode();
    return (h ^ (h >>> 16)) & (STRIPES - 1);
  }
}
