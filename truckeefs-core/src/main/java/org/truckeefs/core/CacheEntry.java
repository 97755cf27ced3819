package org.truckeefs.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.truckeefs.spi.BlobRef;

/**
 * One chunk of the {@link ChunkCache}: its block map, fetches in flight, pins and open channel. Guarded by its own
 * monitor except the volatile fast-path flags (the "ChunkCache entry's monitor" of the lock order).
 */
final class CacheEntry {
  /** What {@link #closeIfIdle} did. */
  enum Closed { CLOSED, BUSY, NONE }

  final BlobRef ref;
  final String key;
  final long length;
  final int blocks;
  final BitSet present = new BitSet();
  final Map<Integer, CompletableFuture<Void>> inflight = new HashMap<>();
  Path path;
  FileChannel ch;
  int pins;
  long bytes;
  volatile boolean complete;
  volatile boolean evicted;
  /** Fetches {@link ChunkCache#prefetch} made for reads still to come: those reads count as misses, not hits. */
  final AtomicInteger prefetched = new AtomicInteger();
  volatile long lastAccess;

  CacheEntry(BlobRef ref, String key, long length, Path path, boolean complete) {
    this.ref = ref;
    this.key = key;
    this.length = length;
    this.blocks = (int) Math.max(1, (length + ChunkCache.BLOCK - 1) / ChunkCache.BLOCK);
    this.path = path;
    this.complete = complete;
    if (complete) {
      present.set(0, blocks);
      bytes = length;
    }
  }

  synchronized FileChannel channel() throws IOException {
    if (ch == null || !ch.isOpen()) {
      ch = complete
          ? FileChannel.open(path, StandardOpenOption.READ)
          : FileChannel.open(path, EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
              StandardOpenOption.WRITE));
    }
    return ch;
  }

  synchronized Closed closeIfIdle() {
    if (ch == null) {
      return Closed.NONE;
    }
    if (pins > 0 || !inflight.isEmpty()) {
      return Closed.BUSY;
    }
    closeChannel();
    return Closed.CLOSED;
  }

  /** @return whether a channel was open */
  boolean closeChannel() {
    if (ch == null) {
      return false;
    }
    try {
      ch.close();
    } catch (IOException ignored) {
      // read-only or fully written: nothing to lose
    }
    ch = null;
    return true;
  }
}
