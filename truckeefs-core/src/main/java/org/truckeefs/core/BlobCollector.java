package org.truckeefs.core;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * The blob GC daemon: releases blobs no chunk has referenced for the grace period. The grace period protects an
 * upload in flight that produced (by deduplication) a blob that just became unreferenced.
 */
final class BlobCollector implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(BlobCollector.class);
  private static final int BATCH = 500;

  private final MetadataStore meta;
  private final BlobStore blobs;
  private final ChunkCache cache;
  private final Clock clock;
  private final Duration grace;

  BlobCollector(MetadataStore meta, BlobStore blobs, ChunkCache cache, Clock clock, Duration grace) {
    this.meta = meta;
    this.blobs = blobs;
    this.cache = cache;
    this.clock = clock;
    this.grace = grace;
  }

  @Override
  public void run() {
    try {
      collect();
    } catch (FsException | RuntimeException e) {
      log.warn("blob garbage collection failed: {}", e.getMessage());
    }
  }

  /** Releases releasable blobs; returns how many. */
  int collect() throws FsException {
    int total = 0;
    while (true) {
      List<BlobRef> refs = meta.takeReleasableBlobs(clock.instant().minus(grace), BATCH);
      for (BlobRef ref : refs) {
        cache.invalidate(ref);
        try {
          blobs.release(ref);
        } catch (FsException e) {
          log.warn("cannot release blob {}: {}", ref, e.getMessage());
        }
      }
      total += refs.size();
      if (refs.size() < BATCH) {
        return total;
      }
    }
  }
}
