package org.truckeefs.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.ChunkRef;

/**
 * The local disk cache, laid out on disk as {@link CacheDirectory} says. A chunk being fetched is filled in
 * {@value #BLOCK}-byte blocks, so a small random read fetches one block with a ranged blob read and
 * never the whole chunk. Dirty chunks are never evicted and become clean entries (by rename or link, no copy) once
 * uploaded.
 *
 * <p>Each chunk is a {@link CacheEntry}, guarded by its own monitor; its open file is lent by the bounded
 * {@link CacheChannels} pool. No other lock is taken while an entry's monitor is held, and no blob read happens
 * under it.
 */
final class ChunkCache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ChunkCache.class);
  /** Unit of ranged fetches: a small random read costs at most two of these. */
  static final int BLOCK = 128 * 1024;
  /** Open cache-file channels are bounded (see {@link CacheChannels}). */
  static final int MAX_OPEN_CHANNELS = CacheChannels.MAX_OPEN;

  private final Path root;
  private final Path chunkDir;
  private final Path dirtyDir;
  private final BlobStore blobs;
  private final Clock clock;
  private final long maxBytes;
  private final Duration ttl;
  private final Executor fetcher;
  private final FreeSpace space;
  private final ConcurrentHashMap<BlobRef, CacheEntry> entries = new ConcurrentHashMap<>();
  private final Set<BlobRef> readAheads = ConcurrentHashMap.newKeySet();
  private final AtomicLong cleanBytes = new AtomicLong();
  private final AtomicLong dirtyBytes = new AtomicLong();
  private final CacheChannels channels = new CacheChannels();
  private final MemoryBudget memory;
  private final long memoryBytes;
  /**
   * Whether the cache's filesystem has room for twice the memory budget above the floor: chunks kept in memory are
   * written to the journal at close, so they are taken only while the disk could hold them all (else a write would
   * succeed into memory and the close fail). Read again whenever the free space is (every {@link FreeSpace#CHECK_EVERY}
   * bytes added).
   */
  private volatile boolean roomForMemory;
  private volatile Runnable overLimit = () -> {};

  /** Why an entry left the cache. */
  enum RemovalCause { EXPIRED, SIZE, RELEASED }

  record PruneResult(int expired, int evictedForSize, long bytesAfter) {}

  /**
   * Running totals for metrics, read when scraped: reads served wholly from the cache, reads that fetched (or
   * waited for) missing blocks, bytes fetched from the blob store, evictions and the bytes they freed.
   */
  final LongAdder hits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder fetchedBytes = new LongAdder();
  final LongAdder evictions = new LongAdder();
  final LongAdder evictedBytes = new LongAdder();

  private ChunkCache(Path root, BlobStore blobs, Clock clock, long maxBytes, Duration ttl, Executor fetcher,
      FreeSpace space, long memoryBytes) {
    this.space = space;
    this.memory = new MemoryBudget(memoryBytes);
    this.memoryBytes = memoryBytes;
    this.roomForMemory = hasRoomForMemory(space.usable());
    this.root = root;
    this.chunkDir = root.resolve("chunks");
    this.dirtyDir = root.resolve("dirty");
    this.blobs = blobs;
    this.clock = clock;
    this.maxBytes = maxBytes;
    this.ttl = ttl;
    this.fetcher = fetcher;
  }

  /** Opens (creating, mode 0700) the cache directory and indexes the complete chunks left by an earlier run. */
  static ChunkCache open(Path root, BlobStore blobs, Clock clock, long maxBytes, Duration ttl, Executor fetcher)
      throws FsException {
    return open(root, blobs, clock, maxBytes, ttl, fetcher, -1);
  }

  /**
   * @param freeSpaceFloor clean chunks are evicted while the cache's filesystem has less than this free (see
   *     {@link FreeSpace}); negative for the automatic floor
   */
  static ChunkCache open(Path root, BlobStore blobs, Clock clock, long maxBytes, Duration ttl, Executor fetcher,
      long freeSpaceFloor) throws FsException {
    return open(root, blobs, clock, maxBytes, ttl, fetcher, freeSpaceFloor, RiverFsConfig.DEFAULT_DIRTY_MEMORY);
  }

  /** @param memoryBytes how much small dirty chunks may keep in memory ({@code dirty_memory}) */
  static ChunkCache open(Path root, BlobStore blobs, Clock clock, long maxBytes, Duration ttl, Executor fetcher,
      long freeSpaceFloor, long memoryBytes) throws FsException {
    try {
      CacheDirectory.prepare(root);
    } catch (IOException e) {
      throw DiskErrors.map("create cache directory " + root, e);
    }
    ChunkCache c;
    try {
      c = new ChunkCache(root, blobs, clock, maxBytes, ttl, fetcher, FreeSpace.of(root, freeSpaceFloor),
          memoryBytes);
    } catch (IOException e) {
      throw DiskErrors.map("read free space of " + root, e);
    }
    try {
      CacheDirectory.Index index = CacheDirectory.load(c.chunkDir, c.dirtyDir, clock.millis());
      c.entries.putAll(index.entries());
      c.cleanBytes.set(index.cleanBytes());
      c.dirtyBytes.set(index.dirtyBytes());
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw DiskErrors.map("open cache directory " + root, e);
    }
    return c;
  }

  void onOverLimit(Runnable r) {
    this.overLimit = r;
  }

  Path root() {
    return root;
  }

  Path dirtyDir() {
    return dirtyDir;
  }

  /** The memory small dirty chunks may hold ({@link DirtyChunk}). */
  MemoryBudget memory() {
    return memory;
  }

  /** Reserves memory for a new chunk kept in memory; false when it must go to a file (see {@link #roomForMemory}). */
  boolean reserveMemory(int bytes) {
    return roomForMemory && memory.tryReserve(bytes);
  }

  private boolean hasRoomForMemory(long usable) {
    return memoryBytes > 0 && (usable == Long.MAX_VALUE || usable - space.floor() > 2 * memoryBytes);
  }

  long usedBytes() {
    return cleanBytes.get() + dirtyBytes.get();
  }

  long cleanBytes() {
    return cleanBytes.get();
  }

  long dirtyBytes() {
    return dirtyBytes.get();
  }

  int entryCount() {
    return entries.size();
  }

  /** Whether {@code ref}'s chunk is fully cached. */
  boolean isCached(BlobRef ref) {
    CacheEntry e = entries.get(ref);
    return e != null && e.complete;
  }

  // ---- dirty files

  Path newDirtyFile(InodeId inode) {
    return dirtyDir.resolve(inode.value() + "-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
  }

  private static final Set<StandardOpenOption> CREATE_DIRTY = EnumSet.of(StandardOpenOption.CREATE_NEW,
      StandardOpenOption.READ, StandardOpenOption.WRITE);

  /**
   * Creates a dirty file, open for reading and writing, mode 0600 from the start: it holds plaintext, and the local
   * blob store takes it as its blob by hard link, which then needs no chmod (one metadata update less per blob).
   */
  static FileChannel createDirtyFile(Path p) throws IOException {
    return FileChannel.open(p, CREATE_DIRTY, PrivateDirectory.fileAttributes(p));
  }

  void addDirty(long delta) {
    dirtyBytes.addAndGet(delta);
    if (space.added(delta)) {
      lookAtSpace();
    }
  }

  /**
   * Every {@link FreeSpace#CHECK_EVERY} bytes added: whether small chunks may stay in memory, and a prune only when
   * the cache is over its size or the disk under its floor. A prune sorts every entry by age; asked for every MiB
   * whatever the need, it kept the daemon thread sorting a few thousand entries while 128 KiB files were written
   * (1,500 of the mount's samples against 736 for the FUSE workers, on a 2-core host), and its cost grows with the
   * cache.
   */
  private void lookAtSpace() {
    long usable = space.usable();
    roomForMemory = hasRoomForMemory(usable);
    if (overSize() || space.underFloor(usable)) {
      overLimit.run();
    }
  }

  /** Bytes usable on the cache's filesystem now ({@link Long#MAX_VALUE} when unknown). */
  long usableBytes() {
    return space.usable();
  }

  /** The free-space floor in bytes. */
  long freeSpaceFloor() {
    return space.floor();
  }

  /**
   * A write found the disk full: evicts least recently used clean chunks until {@code bytes} more fit above the
   * floor (at least one, if any can go). Dirty data is never evicted.
   *
   * @return whether anything was evicted, so the caller may try again
   */
  boolean makeRoom(long bytes) {
    List<CacheEntry> byAge = oldestFirst(entries.values());
    int evicted = 0;
    for (CacheEntry e : byAge) {
      if (evicted > 0 && !space.wouldGoUnder(bytes)) {
        break;
      }
      if (tryEvict(e)) {
        evicted++;
      }
    }
    if (evicted > 0) {
      log.debug("disk short of space: evicted {} clean chunk(s), {} bytes usable", evicted, space.usable());
    }
    return evicted > 0;
  }

  /**
   * An uploaded dirty chunk becomes the clean entry of its blob, by rename: the bytes just written are not
   * downloaded again. With a deduplicating store the blob may be cached already; then the file is dropped.
   */
  void adopt(Path dirtyFile, ChunkRef c, long dirtyLength) {
    dirtyBytes.addAndGet(-dirtyLength);
    try {
      CacheEntry existing = entries.get(c.blob());
      if (existing != null) {
        Files.deleteIfExists(dirtyFile);
        return;
      }
      String key = CacheDirectory.key(c.blob());
      Path data = chunkDir.resolve(key);
      CacheDirectory.writeRefFile(chunkDir, key, c.blob());
      Files.move(dirtyFile, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      CacheEntry e = new CacheEntry(c.blob(), key, c.length(), data, true);
      e.lastAccess = clock.millis();
      if (entries.putIfAbsent(c.blob(), e) == null) {
        cleanBytes.addAndGet(c.length());
        checkLimit();
      }
    } catch (IOException e) {
      log.warn("cannot keep uploaded chunk in the cache: {}", e.toString());
      try {
        Files.deleteIfExists(dirtyFile);
      } catch (IOException ignored) {
        // nothing else to do: the data is in the blob store
      }
    }
  }

  /**
   * An uploaded chunk that was kept in memory ({@link DirtyChunk}) becomes the clean entry of its blob, so reading it
   * back does not fetch it (from Tahoe, a round trip or more; from the local store, a copy into the cache at the
   * first read, which halved reading small files back in {@code compare.sh}). A store whose blobs are files on this
   * host ({@link BlobStore#localFile}) lends its file by hard link, as a chunk uploaded from a dirty file shares its
   * file with its blob: no second copy of the bytes. Otherwise the bytes are written to a cache file. With a
   * deduplicating store the blob may be cached already. Best effort, as {@link #adopt}: the data is in the blob
   * store.
   */
  void adoptBytes(ChunkRef c, ByteBuffer bytes) {
    int len = bytes.remaining();
    dirtyBytes.addAndGet(-len);
    if (entries.containsKey(c.blob())) {
      return;
    }
    String key = CacheDirectory.key(c.blob());
    Path data = chunkDir.resolve(key);
    try {
      // the data before its ref file: at the next start a data file without its ref file is dropped
      if (!CacheDirectory.place(blobs, c.blob(), bytes, data)) {
        // the name is taken: by a file a crash left without its ref file, or by an entry of the same blob that a
        // reader fetched just now (the same bytes); replaced atomically, never deleted under a reader
        Path tmp = chunkDir.resolve(key + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        CacheDirectory.place(blobs, c.blob(), bytes, tmp);
        Files.move(tmp, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      CacheDirectory.writeRefFile(chunkDir, key, c.blob());
      CacheEntry e = new CacheEntry(c.blob(), key, len, data, true);
      e.lastAccess = clock.millis();
      if (entries.putIfAbsent(c.blob(), e) == null) {
        cleanBytes.addAndGet(len); // counted for the free-space check when it was written, as dirty bytes
        checkLimit();
      }
    } catch (IOException e) {
      log.debug("cannot keep uploaded chunk in the cache: {}", e.toString());
    }
  }

  // ---- clean reads

  /**
   * Reads bytes {@code [offset, offset + n)} of chunk {@code c} into {@code dst}, where n is the smaller of
   * {@code dst.remaining()} and the rest of the chunk. Missing bytes are fetched first: the blocks the read needs, or
   * the whole chunk when {@code wholeChunk} (sequential readers). Concurrent readers of a missing block wait for one
   * fetch.
   */
  int read(ChunkRef c, long offset, ByteBuffer dst, boolean wholeChunk) throws FsException {
    int n = (int) Math.min(dst.remaining(), c.length() - offset);
    if (n <= 0) {
      return 0;
    }
    CacheEntry e = pin(c);
    try {
      boolean hit = e.complete;
      if (!hit) {
        try {
          hit = ensure(e, offset, offset + n, wholeChunk);
        } catch (FsException full) {
          if (full.error() != FsError.NO_SPACE) {
            throw full;
          }
          misses.increment();
          return readUncached(c, offset, n, dst); // a full disk must not stop reads of what is not cached
        }
      }
      if (hit && e.prefetched.get() > 0 && e.prefetched.getAndUpdate(v -> Math.max(0, v - 1)) > 0) {
        hit = false; // prefetch fetched it for this read
      }
      (hit ? hits : misses).increment();
      FileChannel ch = channels.channel(e);
      int limit = dst.limit();
      dst.limit(dst.position() + n);
      try {
        int total = 0;
        while (dst.hasRemaining()) {
          int r = ch.read(dst, offset + total);
          if (r < 0) {
            throw new FsException(FsError.IO, "cached chunk is shorter than expected; its cache file was changed");
          }
          total += r;
        }
        return total;
      } finally {
        dst.limit(limit);
      }
    } catch (IOException ex) {
      throw io("read cached chunk", ex);
    } finally {
      unpin(e);
    }
  }

  /**
   * Fetches what {@link #read} of {@code [offset, offset + n)} would fetch, without reading: callers holding a lock
   * that must not wait for the blob store call this first. A full disk is not an error here (the read then reads
   * the blob store directly).
   */
  void prefetch(ChunkRef c, long offset, int n, boolean wholeChunk) throws FsException {
    int len = (int) Math.min(n, c.length() - offset);
    if (len <= 0) {
      return;
    }
    CacheEntry e = pin(c);
    try {
      if (!e.complete && !ensure(e, offset, offset + len, wholeChunk)) {
        e.prefetched.incrementAndGet();
      }
    } catch (FsException full) {
      if (full.error() != FsError.NO_SPACE) {
        throw full;
      }
    } finally {
      unpin(e);
    }
  }

  private int readUncached(ChunkRef c, long offset, int n, ByteBuffer dst) throws FsException {
    int limit = dst.limit();
    dst.limit(dst.position() + n);
    try {
      int total = 0;
      while (dst.hasRemaining()) {
        int r = blobs.read(c.blob(), offset + total, dst);
        if (r <= 0) {
          throw new FsException(FsError.IO, "blob of chunk " + c.index() + " is shorter than its chunk map says");
        }
        total += r;
      }
      return total;
    } finally {
      dst.limit(limit);
    }
  }

  /** Copies the whole of chunk {@code c} into {@code target} at position 0 (copy-on-write of a partial overwrite). */
  void copyInto(ChunkRef c, FileChannel target) throws FsException {
    CacheEntry e = pin(c);
    try {
      if (!e.complete) {
        try {
          ensure(e, 0, c.length(), true);
        } catch (FsException full) {
          if (full.error() != FsError.NO_SPACE) {
            throw full;
          }
          copyUncached(c, target);
          return;
        }
      }
      FileChannel ch = channels.channel(e);
      long done = 0;
      while (done < c.length()) {
        long n = ch.transferTo(done, c.length() - done, target.position(done));
        if (n <= 0) {
          throw new FsException(FsError.IO, "cached chunk is shorter than expected; its cache file was changed");
        }
        done += n;
      }
    } catch (IOException ex) {
      throw io("copy cached chunk", ex);
    } finally {
      unpin(e);
    }
  }

  private void copyUncached(ChunkRef c, FileChannel target) throws FsException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(BLOCK, Math.max(1, c.length())));
    try {
      for (long pos = 0; pos < c.length(); ) {
        buf.clear().limit((int) Math.min(buf.capacity(), c.length() - pos));
        int r = blobs.read(c.blob(), pos, buf);
        if (r <= 0) {
          throw new FsException(FsError.IO, "blob of chunk " + c.index() + " is shorter than its chunk map says");
        }
        buf.flip();
        while (buf.hasRemaining()) {
          pos += target.write(buf, pos);
        }
      }
    } catch (IOException ex) {
      throw io("copy chunk", ex);
    }
  }

  /** Fetches chunk {@code c} in the background unless it is cached or on its way. */
  void readAhead(ChunkRef c) {
    CacheEntry existing = entries.get(c.blob());
    if (existing != null && existing.complete || !readAheads.add(c.blob())) {
      return;
    }
    try {
      fetcher.execute(() -> {
        try {
          CacheEntry e = pin(c);
          try {
            if (!e.complete) {
              ensure(e, 0, c.length(), true);
            }
          } finally {
            unpin(e);
          }
        } catch (FsException | RuntimeException ex) {
          log.debug("read-ahead of chunk {} failed: {}", c.index(), ex.toString());
        } finally {
          readAheads.remove(c.blob());
        }
      });
    } catch (RuntimeException rejected) {
      readAheads.remove(c.blob());
    }
  }

  /** Drops a released blob's entry (best effort: a pinned entry stays until pruned). */
  void invalidate(BlobRef ref) {
    CacheEntry e = entries.get(ref);
    if (e != null) {
      tryEvict(e);
    }
  }

  private CacheEntry pin(ChunkRef c) throws FsException {
    while (true) {
      CacheEntry e;
      try {
        e = entries.computeIfAbsent(c.blob(), ref -> {
          String key = CacheDirectory.key(ref);
          return new CacheEntry(ref, key, c.length(), chunkDir.resolve(key + CacheDirectory.PART), false);
        });
      } catch (UncheckedIOException ex) {
        throw io("create cache entry", ex.getCause());
      }
      synchronized (e) {
        if (!e.evicted) {
          e.pins++;
          e.lastAccess = clock.millis();
          return e;
        }
      }
    }
  }

  private static void unpin(CacheEntry e) {
    synchronized (e) {
      e.pins--;
    }
  }

  /** Returns whether every block was present already (a cache hit). */
  private boolean ensure(CacheEntry e, long from, long to, boolean whole) throws FsException {
    int first = whole ? 0 : (int) (from / BLOCK);
    int last = whole ? e.blocks - 1 : (int) ((to - 1) / BLOCK);
    List<CompletableFuture<Void>> waits = new ArrayList<>();
    BitSet mine = new BitSet();
    Map<Integer, CompletableFuture<Void>> claimed = new HashMap<>();
    synchronized (e) {
      for (int b = first; b <= last; b++) {
        if (e.present.get(b)) {
          continue;
        }
        CompletableFuture<Void> f = e.inflight.get(b);
        if (f != null) {
          waits.add(f);
        } else {
          f = new CompletableFuture<>();
          e.inflight.put(b, f);
          claimed.put(b, f);
          mine.set(b);
        }
      }
    }
    FsException failure = null;
    for (int start = mine.nextSetBit(0); start >= 0; ) {
      int end = mine.nextClearBit(start);
      try {
        if (failure == null) {
          fetch(e, start, end);
        }
        synchronized (e) {
          for (int b = start; b < end; b++) {
            if (failure == null) {
              e.present.set(b);
            }
            e.inflight.remove(b);
          }
          if (failure == null && e.present.cardinality() == e.blocks) {
            complete(e);
          }
        }
      } catch (FsException ex) {
        failure = ex;
        synchronized (e) {
          for (int b = start; b < end; b++) {
            e.inflight.remove(b);
          }
        }
      }
      for (int b = start; b < end; b++) {
        CompletableFuture<Void> f = claimed.get(b);
        if (failure == null) {
          f.complete(null);
        } else {
          f.completeExceptionally(failure);
        }
      }
      start = mine.nextSetBit(end);
    }
    if (failure != null) {
      throw failure;
    }
    for (CompletableFuture<Void> f : waits) {
      try {
        f.join();
      } catch (CompletionException ex) {
        // the other reader's fetch failed: try ourselves, once, so one bad attempt doesn't fail every waiter
        if (ex.getCause() instanceof FsException) {
          ensure(e, from, to, whole);
          return false;
        }
        throw new FsException(FsError.IO, "fetch failed: " + ex.getCause(), ex.getCause());
      }
    }
    checkLimit();
    return mine.isEmpty() && waits.isEmpty();
  }

  private void fetch(CacheEntry e, int startBlock, int endBlock) throws FsException {
    long off = (long) startBlock * BLOCK;
    long end = Math.min(e.length, (long) endBlock * BLOCK);
    ByteBuffer buf = ByteBuffer.allocate((int) (end - off));
    while (buf.hasRemaining()) {
      int n = blobs.read(e.ref, off + buf.position(), buf);
      if (n <= 0) {
        throw new FsException(FsError.IO, "blob " + e.ref + " is shorter than its chunk map says");
      }
    }
    buf.flip();
    try {
      FileChannel ch = channels.channel(e);
      long pos = off;
      while (buf.hasRemaining()) {
        try {
          pos += ch.write(buf, pos);
        } catch (IOException full) {
          if (!DiskErrors.isNoSpace(full) || !makeRoom(buf.remaining())) {
            throw full;
          }
        }
      }
    } catch (IOException ex) {
      throw io("write cache file", ex);
    }
    synchronized (e) {
      e.bytes += end - off;
    }
    fetchedBytes.add(end - off);
    cleanBytes.addAndGet(end - off);
    if (space.added(end - off)) {
      lookAtSpace();
    }
  }

  /** Called with e's monitor held: the entry is whole; give it its final name. */
  private void complete(CacheEntry e) {
    Path data = chunkDir.resolve(e.key);
    try {
      CacheDirectory.writeRefFile(chunkDir, e.key, e.ref);
      Files.move(e.path, data, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      e.path = data;
    } catch (IOException ex) {
      log.debug("cannot rename complete cache entry: {}", ex.toString());
    }
    e.complete = true;
  }

  private void checkLimit() {
    if (overSize()) {
      overLimit.run();
    }
  }

  private boolean overSize() {
    return maxBytes > 0 && usedBytes() > maxBytes;
  }

  /** Whether the free-space floor asks for eviction now. */
  boolean belowFloor() {
    return space.wouldGoUnder(0);
  }

  /**
   * The entries, least recently used first, by the access times they had when this was called. Each time is read
   * once: readers keep moving {@link CacheEntry#lastAccess} during the sort, and a comparator reading it live breaks
   * TimSort's contract ("Comparison method violates its general contract!"), which failed every prune and left the
   * cache unbounded.
   */
  static List<CacheEntry> oldestFirst(java.util.Collection<CacheEntry> entries) {
    List<Map.Entry<Long, CacheEntry>> stamped = new ArrayList<>(entries.size());
    entries.forEach(e -> stamped.add(Map.entry(e.lastAccess, e)));
    stamped.sort(Map.Entry.comparingByKey());
    List<CacheEntry> out = new ArrayList<>(stamped.size());
    stamped.forEach(e -> out.add(e.getValue()));
    return out;
  }

  // ---- pruning

  /**
   * Evicts clean entries unused for longer than the TTL, then least-recently-used ones until the cache fits its
   * size limit. Dirty data is never evicted; neither are entries being read or fetched.
   */
  PruneResult prune() {
    long now = clock.millis();
    long ttlCut = now - ttl.toMillis();
    List<CacheEntry> byAge = oldestFirst(entries.values());
    int expired = 0;
    int sized = 0;
    for (CacheEntry e : byAge) {
      if (e.lastAccess < ttlCut && tryEvict(e)) {
        expired++;
      }
    }
    if (maxBytes > 0) {
      for (CacheEntry e : byAge) {
        if (usedBytes() <= maxBytes) {
          break;
        }
        if (!e.evicted && tryEvict(e)) {
          sized++;
        }
      }
    }
    if (space.wouldGoUnder(0)) {
      for (CacheEntry e : byAge) {
        if (!space.wouldGoUnder(0)) {
          break;
        }
        if (!e.evicted && tryEvict(e)) {
          sized++;
        }
      }
    }
    channels.closeIdle(byAge, now);
    if (expired + sized > 0) {
      log.debug("cache prune: {} expired, {} evicted for size, {} bytes in use", expired, sized, usedBytes());
    }
    return new PruneResult(expired, sized, usedBytes());
  }

  private boolean tryEvict(CacheEntry e) {
    long bytes;
    synchronized (e) {
      if (e.evicted || e.pins > 0 || !e.inflight.isEmpty()) {
        return false;
      }
      e.evicted = true;
      bytes = e.bytes;
      channels.close(e);
    }
    entries.remove(e.ref, e);
    cleanBytes.addAndGet(-bytes);
    evictions.increment();
    evictedBytes.add(bytes);
    try {
      Files.deleteIfExists(e.path);
      Files.deleteIfExists(chunkDir.resolve(e.key + ".ref"));
    } catch (IOException ex) {
      log.debug("cannot delete evicted cache file: {}", ex.toString());
    }
    return true;
  }

  /** Channels open now; for tests and status. */
  int openChannels() {
    return channels.openChannels();
  }

  @Override
  public void close() {
    for (CacheEntry e : entries.values()) {
      synchronized (e) {
        channels.close(e);
      }
    }
  }

  private static FsException io(String what, IOException e) {
    return DiskErrors.map(what, e);
  }
}
