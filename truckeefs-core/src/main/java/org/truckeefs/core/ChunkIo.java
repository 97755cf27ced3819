package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.core.ChunkLayers.Clean;
import org.truckeefs.core.ChunkLayers.Dirty;
import org.truckeefs.core.ChunkLayers.Source;
import org.truckeefs.spi.ChunkRef;

/**
 * The bytes of one chunk of an {@link OpenFile}: read from whichever layer answers for it, written into the dirty
 * layer's file (made by copy-on-write first), trimmed by a truncate, freed when no layer names it. It keeps the
 * cache's dirty-byte count and the chunks' running hashes in step with the files. {@link OpenFile} decides which
 * chunks a call touches and what the file's size becomes.
 *
 * <p>Locking: none of its own and no state but its configuration; every call but {@link #rebuild} holds the file's
 * {@link OpenFile#lock} (the read lock to read, the write lock for the rest), which guards the {@link ChunkLayers}
 * and chunks it uses.
 */
final class ChunkIo {
  private final InodeId id;
  private final int chunkSize;
  private final ChunkCache cache;
  /** Runs the running hashes' catch-ups (see {@link RunningHash}), off the writer's thread; null: no hashing. */
  private final Executor hashers;
  private final int hashStep;
  /** Told of each full chunk a catch-up hashed. */
  private final EarlyWriteback writeback;
  private final ChunkLayers layers;

  ChunkIo(InodeId id, int chunkSize, ChunkCache cache, Executor hashers, EarlyWriteback writeback,
      ChunkLayers layers) {
    this.id = id;
    this.chunkSize = chunkSize;
    this.cache = cache;
    this.hashers = hashers;
    this.writeback = writeback;
    this.hashStep = Math.min(RunningHash.MAX_STEP, chunkSize / 4);
    this.layers = layers;
  }

  /** Reads {@code n} bytes of chunk {@code idx} from {@code within} into {@code dst}; past the chunk's end, zeros. */
  void read(long idx, int within, int n, ByteBuffer dst, boolean sequential) throws IOException, FsException {
    Source s = layers.resolve(idx);
    long avail = Math.max(0, Math.min(n, s.length() - within));
    if (avail > 0) {
      int limit = dst.limit();
      dst.limit(dst.position() + (int) avail);
      try {
        if (s instanceof Dirty d) {
          d.chunk().readFully(dst, within);
        } else {
          cache.read(((Clean) s).ref(), within, dst, sequential);
        }
      } finally {
        dst.limit(limit);
      }
    }
    ChunkBytes.zeros(dst, n - (int) avail);
  }

  /** Bytes {@code [within, within + length)} of a committed chunk, wanted by a read. */
  record Wanted(ChunkRef ref, int within, int length) {}

  /** The committed chunks of bytes {@code [offset, end)} not in the cache, each with the part a read wants. */
  List<Wanted> uncached(long offset, long end) {
    List<Wanted> wanted = List.of(); // most reads find everything cached: allocate nothing for them
    for (long pos = offset; pos < end; ) {
      long idx = pos / chunkSize;
      int within = (int) (pos % chunkSize);
      int n = (int) Math.min(end - pos, chunkSize - within);
      if (layers.resolve(idx) instanceof Clean c && !cache.isCached(c.ref().blob())) {
        if (wanted.isEmpty()) {
          wanted = new ArrayList<>();
        }
        wanted.add(new Wanted(c.ref(), within, n));
      }
      pos += n;
    }
    return wanted;
  }

  /**
   * Writes the next {@code n} bytes of {@code src} into chunk {@code idx} at {@code within}. When the disk fills up
   * part way it throws, with {@code src} advanced past (and the chunk counting) the bytes that reached the file.
   */
  void write(long idx, int within, int n, ByteBuffer src) throws IOException, FsException {
    DirtyChunk d = dirtyChunk(idx, within, n);
    if (d.inMemory()) {
      if (d.reserve(within + n)) {
        d.put(src.slice(src.position(), n), within);
        src.position(src.position() + n);
        wrote(d, within, n);
        return;
      }
      moveToFile(d);
    }
    ByteBuffer part = src.slice(src.position(), n);
    long p = within;
    try {
      while (part.hasRemaining()) {
        try {
          p += d.ch.write(part, p);
        } catch (IOException e) {
          if (!DiskErrors.isNoSpace(e) || !cache.makeRoom(part.remaining())) {
            throw e;
          }
        }
      }
    } finally {
      int k = part.position(); // what reached the file, also when the disk filled up part way
      if (k > 0) {
        src.position(src.position() + k);
        wrote(d, within, k);
        claimForHash(d, within);
      }
    }
  }

  /** Bytes {@code [within, within + k)} of {@code d} were written: its written ranges, length and dirty count. */
  private void wrote(DirtyChunk d, int within, int k) {
    d.written.add(within, within + k);
    long newLen = Math.max(d.length, within + k);
    cache.addDirty(newLen - d.length);
    d.length = newLen;
  }

  /**
   * A chunk in memory outgrew it (or the budget is spent): it moves to a dirty file of its own, and what this host
   * wrote from its start is claimed for hashing as if just written there.
   */
  private void moveToFile(DirtyChunk d) throws IOException, FsException {
    try {
      moveToNewFile(d);
    } catch (IOException e) {
      if (!DiskErrors.isNoSpace(e) || !cache.makeRoom(d.length)) {
        throw e;
      }
      moveToNewFile(d);
    }
    claimForHash(d, 0);
  }

  private void moveToNewFile(DirtyChunk d) throws IOException {
    Path p = cache.newDirtyFile(id);
    FileChannel ch = ChunkCache.createDirtyFile(p);
    try {
      d.moveToFile(p, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(p);
      throw e;
    }
  }

  /** A truncate's new end falls {@code within} chunk {@code idx}: the chunk keeps only the bytes before it. */
  void trim(long idx, int within) throws IOException, FsException {
    if (layers.resolve(idx).length() > within) {
      DirtyChunk d = dirtyChunk(idx, 0, 0);
      d.hash.lost();
      if (d.inMemory()) {
        d.cut(within);
      } else {
        d.ch.truncate(within);
      }
      d.written.trimTo(within);
      cache.addDirty(within - d.length);
      d.length = within;
    }
  }

  /**
   * Rebuilds the {@code stale} chunks of a snapshot cut at {@code truncatedTo} on the committed view they missed
   * ({@link ChunkRebase}), in their order. Runs without the file's lock (the chunks are sealed, never written again);
   * on failure it frees the ones already rebuilt.
   */
  List<DirtyChunk> rebuild(ChunkLayers.Stale stale, long truncatedTo) throws FsException {
    List<DirtyChunk> rebuilt = new ArrayList<>();
    try {
      for (DirtyChunk d : stale.chunks()) {
        rebuilt.add(ChunkRebase.rebuild(id, chunkSize, cache, d, stale.theirs().get(d.index), truncatedTo,
            stale.epoch()));
      }
    } catch (FsException | RuntimeException e) {
      for (DirtyChunk r : rebuilt) {
        free(r);
      }
      throw e;
    }
    return rebuilt;
  }

  /** A dirty chunk file no layer names any more: its bytes stop counting as dirty. */
  void free(DirtyChunk d) {
    cache.addDirty(-d.length);
    d.delete();
  }

  /**
   * Tells the chunk's running hash that bytes from {@code within} reached its file; the hashing executor then
   * hashes them while this writer goes on (its put need not hash the chunk again), and once the chunk is full
   * may start its disk write ({@link EarlyWriteback}); never the writer itself, as starting a write may wait for
   * the disk's queue.
   */
  private void claimForHash(DirtyChunk d, int within) {
    long runEnd = d.written.runEnd(within);
    // a chunk's last bytes are hashed at once, however few: then its digest is known, and it may be written early
    if (hashers != null && d.hash.wrote(within, runEnd, runEnd >= chunkSize ? 0 : hashStep)) {
      RunningHash.Full full = writeback.enabled()
          ? sha -> writeback.fullChunkHashed(d.path(), chunkSize, sha) : null;
      try {
        hashers.execute(() -> d.hash.catchUp(d.hashSource, chunkSize, full));
      } catch (RejectedExecutionException closing) {
        d.hash.notQueued(); // the put hashes what is left
      }
    }
  }

  /** The dirty chunk at {@code idx}, made by copy-on-write unless the write replaces all existing bytes. */
  private DirtyChunk dirtyChunk(long idx, int within, int n) throws IOException, FsException {
    DirtyChunk d = layers.dirtyChunk(idx);
    if (d != null) {
      return d;
    }
    try {
      return newDirtyChunk(idx, within, n);
    } catch (IOException e) {
      if (!DiskErrors.isNoSpace(e) || !cache.makeRoom(chunkSize)) {
        throw e;
      }
      return newDirtyChunk(idx, within, n);
    }
  }

  /**
   * A new dirty chunk for a write of {@code n} bytes at {@code within}: in memory when it stays small and the budget
   * has room (see {@link DirtyChunk}), else in a new dirty file; either way holding the chunk's current bytes unless
   * the write replaces them all.
   */
  private DirtyChunk newDirtyChunk(long idx, int within, int n) throws IOException, FsException {
    Source s = layers.resolve(idx);
    long existing = s.length();
    boolean replacesAll = within == 0 && n >= existing;
    long end = Math.max(replacesAll ? 0 : existing, (long) within + n);
    int capacity = (int) Math.max(end, 64);
    DirtyChunk d = end <= DirtyChunk.MAX_IN_MEMORY && cache.reserveMemory(capacity)
        ? newChunkInMemory(idx, s, replacesAll, capacity)
        : newChunkInFile(idx, s, replacesAll);
    if (hashers == null) {
      d.hash.lost(); // its put then passes no digest, and computes none
    }
    cache.addDirty(d.length);
    layers.addDirty(d);
    return d;
  }

  /** Call with {@code capacity} bytes reserved: they belong to the new chunk, or go back when it fails. */
  private DirtyChunk newChunkInMemory(long idx, Source s, boolean replacesAll, int capacity)
      throws IOException, FsException {
    byte[] bytes = new byte[capacity];
    long len = 0;
    long base = layers.epoch();
    try {
      if (!replacesAll && s instanceof Dirty from) {
        len = from.chunk().length;
        from.chunk().readFully(ByteBuffer.wrap(bytes, 0, (int) len), 0);
        base = from.chunk().baseEpoch;
      } else if (!replacesAll && s instanceof Clean c) {
        len = c.ref().length();
        cache.read(c.ref(), 0, ByteBuffer.wrap(bytes, 0, (int) len), false);
      }
    } catch (IOException | RuntimeException e) {
      cache.memory().release(capacity);
      throw e;
    }
    return new DirtyChunk(idx, bytes, len, new ByteRanges(), base, cache.memory());
  }

  private DirtyChunk newChunkInFile(long idx, Source s, boolean replacesAll) throws IOException, FsException {
    long existing = s.length();
    Path p = cache.newDirtyFile(id);
    FileChannel ch = ChunkCache.createDirtyFile(p);
    long len = 0;
    long base = layers.epoch();
    try {
      if (!replacesAll && s instanceof Dirty from) {
        if (from.chunk().inMemory()) {
          ChunkBytes.writeFully(ch, from.chunk().bytes(), 0);
        } else {
          FileChannel src = from.chunk().channel();
          long done = 0;
          while (done < existing) {
            done += src.transferTo(done, existing - done, ch.position(done));
          }
        }
        len = existing;
        base = from.chunk().baseEpoch;
      } else if (!replacesAll && s instanceof Clean c) {
        cache.copyInto(c.ref(), ch);
        len = existing;
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(p);
      throw e;
    }
    return new DirtyChunk(idx, p, ch, len, new ByteRanges(), base);
  }
}
