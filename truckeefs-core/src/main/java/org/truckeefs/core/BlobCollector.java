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
 * upload in flight that produced (by deduplication) a blob that just became unreferenced. Deletion waits for a
 * {@link Durability#barrier} per batch.
 */
final class BlobCollector implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(BlobCollector.class);
  private static final int BATCH = 500;

  private final MetadataStore meta;
  private final BlobStore blobs;
  private final ChunkCache cache;
  private final Clock clock;
  private final Duration grace;
  private final Durability durability;

  BlobCollector(MetadataStore meta, BlobStore blobs, ChunkCache cache, Durability durability, Clock clock,
      Duration grace) {
    this.meta = meta;
    this.durability = durability;
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

  /**
   * Deletes blobs already taken from the metadata store, each with its cache entry, once a barrier made the commits
   * that dropped them durable (the collector's and {@link PromptRelease}'s last step). A failure is only logged: the
   * blob is then a file nothing references, as after a crash between the take and the delete.
   */
  static void deleteTaken(List<BlobRef> taken, BlobStore blobs, ChunkCache cache) {
    for (BlobRef ref : taken) {
      cache.invalidate(ref);
      try {
        blobs.release(ref);
      } catch (FsException e) {
        log.warn("cannot release blob {}: {}", ref, e.getMessage());
      }
    }
  }

  /** Releases releasable blobs; returns how many. */
  int collect() throws FsException {
    int total = 0;
    while (true) {
      List<BlobRef> refs = meta.takeReleasableBlobs(clock.instant().minus(grace), BATCH);
      if (!refs.isEmpty()) {
        // the commits that dropped these blobs, and the blobs that replaced them, must be durable before the old
        // blobs go: else a power loss could bring back a commit naming a deleted blob. One barrier per batch.
        durability.barrier();
      }
      deleteTaken(refs, blobs, cache);
      total += refs.size();
      if (refs.size() < BATCH) {
        return total;
      }
    }
  }
}
