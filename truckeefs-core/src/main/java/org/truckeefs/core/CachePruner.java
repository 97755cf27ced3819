package org.truckeefs.core;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache prune daemon: runs with a fixed delay ({@code sleep}) and on demand when a fetch pushes the cache over
 * its size. Overlapping runs are skipped.
 */
final class CachePruner implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(CachePruner.class);
  private final ChunkCache cache;
  private final AtomicBoolean running = new AtomicBoolean();

  CachePruner(ChunkCache cache) {
    this.cache = cache;
  }

  @Override
  public void run() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      cache.prune();
    } catch (RuntimeException e) {
      log.warn("cache prune failed: {}", e.toString());
    } finally {
      running.set(false);
    }
  }
}
