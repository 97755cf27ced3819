package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.core.ChunkLayers.Clean;
import org.truckeefs.spi.ChunkRef;

/**
 * The content state of one file inode on this host, shared by all its handles: the locking, the orchestration of
 * reads, writes and truncation (which chunks, what size), and the seal/commit protocol with the write-back pipeline.
 * The file is seen through layers kept by {@link ChunkLayers} (the current dirty layer, sealed snapshots waiting
 * for upload, the committed chunk map); the bytes of each chunk are moved by {@link ChunkIo}.
 *
 * <p>Sealing moves the dirty layer into a snapshot whose files never change again, so an upload can read them
 * while new writes go to new dirty files (copied from the snapshot's file when a chunk is partly overwritten).
 *
 * <p>Conflicts with other hosts: every dirty chunk knows the byte ranges this host wrote in it and the epoch of the
 * committed view its other bytes were copied from. When another host's commit replaces the committed view (found by
 * close-to-open revalidation or by a failed compare-and-set), the epoch advances, and before a stale chunk is
 * committed it is rebuilt byte-exactly: the newer committed bytes with only this host's written ranges on top. So the
 * last writer wins per byte range, and bytes this host did not write are never overwritten with old content.
 *
 * <p>State: this class owns the times, the published attribute view, the discard flag and the upload bookkeeping
 * (handle count, failures, retry time); {@link #layers} owns the layers, the committed view (version, epoch,
 * committed length) and the size; {@link #chunkIo} owns none.
 *
 * <p>Locking: {@link #lock} guards all content state, this class's and {@link #layers}' (reads share it, writes,
 * truncation, sealing and commit application take it exclusively; the attribute overlay reads a copy published at
 * each release of the exclusive lock instead, see {@link #view}); neither helper has a lock of its own. It is never
 * held across a blob-store call, a journal insert or a disk sync (reads fetch missing chunks before taking it).
 * {@link #journalLock} orders this file's journal appends and {@link #uploadLock} serialises its uploads, so
 * snapshots are journaled and commit in order; both are taken before {@link #lock}, never while holding it. The
 * handle count is guarded by the open-file table. The layers ({@link Layer}, {@link Snapshot}) and their
 * {@link DirtyChunk}s are guarded by {@link #lock} too; the rebase itself ({@link ChunkRebase}) runs outside it, on
 * sealed files only.
 */
final class OpenFile {
  final InodeId id;
  private final int chunkSize;
  private final ChunkCache cache;
  private final Clock clock;
  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  final ReentrantLock uploadLock = new ReentrantLock();
  /**
   * Orders this file's journal appends (recovery replays entries in journal order). Held across the journal append
   * (one local write) on purpose, without {@link #lock}: it holds up only another seal of the same file.
   */
  final ReentrantLock journalLock = new ReentrantLock();
  final AtomicBoolean drainQueued = new AtomicBoolean();

  // @GuardedBy("lock")
  private final ChunkLayers layers;
  private final ChunkIo chunkIo;
  private Instant mtime;
  private Instant ctime;

  /**
   * The attributes this host adds to the store's, published at every release of {@link #lock}'s write lock, so
   * that {@link #overlay} (getattr, and the kernel's mtime flushes of a file being written) never queues behind
   * the writes that hold that lock across their pwrite.
   */
  private volatile AttrView view;

  /** A consistent copy of what {@link #overlay} needs, taken under the write lock. */
  private record AttrView(boolean clean, long version, long size, Instant mtime, Instant ctime) {}

  /** The file was unlinked and its unsaved data dropped: an upload in flight stops without committing. */
  private volatile boolean discarded;

  /** Open handles; guarded by the RiverFS open-file map's compute. */
  volatile int refs;
  volatile int failures;
  volatile long nextRetryNanos;

  /** A file whose running hashes catch up in the writer's thread, right after each write (tests). */
  OpenFile(InodeAttributes attrs, List<ChunkRef> chunks, int chunkSize, ChunkCache cache, Clock clock) {
    this(attrs, chunks, chunkSize, cache, clock, Runnable::run);
  }

  /** A file whose chunks' disk writes are never started early. */
  OpenFile(InodeAttributes attrs, List<ChunkRef> chunks, int chunkSize, ChunkCache cache, Clock clock,
      Executor hashers) {
    this(attrs, chunks, chunkSize, cache, clock, hashers, EarlyWriteback.NONE);
  }

  /**
   * @param hashers runs the catch-ups of the running hashes of this file's dirty chunks; null when the blob store
   *     does not use a digest (then no chunk is hashed)
   * @param writeback told of each full chunk its running hash completed
   */
  OpenFile(InodeAttributes attrs, List<ChunkRef> chunks, int chunkSize, ChunkCache cache, Clock clock,
      Executor hashers, EarlyWriteback writeback) {
    this.id = attrs.id();
    this.chunkSize = chunkSize;
    this.cache = cache;
    this.clock = clock;
    this.layers = new ChunkLayers(chunkSize, attrs.version(), attrs.size(), chunks);
    this.chunkIo = new ChunkIo(id, chunkSize, cache, hashers, writeback, layers);
    this.mtime = attrs.mtime();
    this.ctime = attrs.ctime();
    this.view = new AttrView(true, attrs.version(), attrs.size(), mtime, ctime);
  }

  /** A query of the content state, under the read lock. */
  private <T> T reading(Supplier<T> query) {
    lock.readLock().lock();
    try {
      return query.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Releases the write lock, publishing the attributes changed under it first (see {@link #view}). */
  private void unlockWrite() {
    view = new AttrView(layers.clean(), layers.version(), layers.size(), mtime, ctime);
    lock.writeLock().unlock();
  }

  // ---- reads

  int read(long offset, ByteBuffer dst, boolean sequential) throws FsException {
    prefetch(offset, dst.remaining(), sequential);
    lock.readLock().lock();
    try {
      long size = layers.size();
      if (offset >= size || !dst.hasRemaining()) {
        return 0;
      }
      long end = offset + Math.min(dst.remaining(), size - offset);
      long pos = offset;
      long lastIdx = -1;
      while (pos < end) {
        long idx = pos / chunkSize;
        int within = (int) (pos % chunkSize);
        int n = (int) Math.min(end - pos, chunkSize - within);
        chunkIo.read(idx, within, n, dst, sequential);
        pos += n;
        lastIdx = idx;
      }
      if (sequential && lastIdx >= 0 && layers.resolve(lastIdx + 1) instanceof Clean next) {
        cache.readAhead(next.ref());
      }
      return (int) (end - offset);
    } catch (IOException e) {
      throw io("read", e);
    } finally {
      lock.readLock().unlock();
    }
  }

  /**
   * Brings the committed chunks a read needs into the cache without holding {@link #lock}: a blob-store GET may
   * take as long as the network stalls, and a writer of this file must not wait for it. The read then finds them
   * cached (if the view changed or a chunk was evicted meanwhile, it fetches under the lock, as before).
   */
  private void prefetch(long offset, int length, boolean sequential) throws FsException {
    List<ChunkIo.Wanted> wanted;
    lock.readLock().lock();
    try {
      long size = layers.size();
      if (offset >= size || length <= 0) {
        return;
      }
      wanted = chunkIo.uncached(offset, offset + Math.min(length, size - offset));
    } finally {
      lock.readLock().unlock();
    }
    for (ChunkIo.Wanted w : wanted) {
      try {
        cache.prefetch(w.ref(), w.within(), w.length(), sequential);
      } catch (FsException e) {
        if (e.error() != FsError.NOT_FOUND) {
          throw e;
        }
        // the file changed since the lock was let go and a prompt release took the old blob (PromptRelease): the
        // read under the lock resolves the current view, and fetches or reports what it needs
        return;
      }
    }
  }

  // ---- writes

  /**
   * Writes all of {@code src} at {@code offset}, or at the end of file when {@code append}; returns the count. When
   * the disk fills up part way, returns the bytes written so far (a short write, as POSIX does); ENOSPC when none.
   */
  int write(long offset, ByteBuffer src, boolean append) throws FsException {
    lock.writeLock().lock();
    long start = 0;
    int done = 0;
    try {
      start = append ? layers.size() : offset;
      int total = src.remaining();
      if (start + total > RiverFS.MAX_FILE_SIZE || start + total < 0) {
        throw new FsException(FsError.FILE_TOO_BIG, "write would grow the file past " + RiverFS.MAX_FILE_SIZE);
      }
      long pos = start;
      while (src.hasRemaining()) {
        long idx = pos / chunkSize;
        int within = (int) (pos % chunkSize);
        int n = Math.min(src.remaining(), chunkSize - within);
        int before = src.position();
        try {
          chunkIo.write(idx, within, n, src);
        } finally {
          int k = src.position() - before; // what reached the file, also when the disk filled up part way
          pos += k;
          done += k;
        }
      }
      return done;
    } catch (IOException e) {
      if (done > 0 && DiskErrors.isNoSpace(e)) {
        return done;
      }
      throw io("write", e);
    } finally {
      if (done > 0) {
        layers.wrote(start + done);
        touch();
      }
      unlockWrite();
    }
  }

  /** Sets the length; shrinking drops whole chunks past the end and trims the chunk that holds the new end. */
  void truncate(long newSize) throws FsException {
    if (newSize < 0 || newSize > RiverFS.MAX_FILE_SIZE) {
      throw new FsException(newSize < 0 ? FsError.INVALID : FsError.FILE_TOO_BIG, "bad length " + newSize);
    }
    lock.writeLock().lock();
    try {
      if (newSize < layers.size()) {
        for (DirtyChunk d : layers.dropPast(newSize)) {
          chunkIo.free(d);
        }
        int within = (int) (newSize % chunkSize);
        if (within > 0) {
          chunkIo.trim(newSize / chunkSize, within);
        }
      }
      layers.truncated(newSize);
      touch();
    } catch (IOException e) {
      throw io("truncate", e);
    } finally {
      unlockWrite();
    }
  }

  /** The times of a change to the content (which {@link ChunkLayers} recorded). */
  private void touch() {
    Instant now = clock.instant();
    mtime = now;
    ctime = now;
  }

  long size() {
    return reading(layers::size);
  }

  // ---- sealing and commits

  /** The write-back journal, as the write-back pipeline keeps it (a local file: {@link WriteBackJournal}). */
  interface Journal {
    /** Records a sealed snapshot; returns the record's sequence number. */
    long append(OpenFile file, long baseVersion, PendingUpload payload) throws FsException;

    /** Closes a record that will never be committed. */
    void remove(long journalId) throws FsException;
  }

  /**
   * Seals the dirty layer into a snapshot and records it in the journal; returns null when nothing changed since
   * the last seal. The snapshot is cut under {@link #lock} (no I/O but closing its write channels); the journal
   * insert runs after, outside it (see {@link #journalPending}). When the insert fails the snapshot stays pending,
   * unjournaled: the exception reports that close() could not make the data crash-safe, and the next seal or
   * upload attempt journals it first.
   */
  Snapshot seal(Journal journal) throws FsException {
    Snapshot s = null;
    lock.writeLock().lock();
    try {
      // No force here: close() promises survival of a process crash, which the page cache already gives; fsync
      // promises survival of a power loss, which the upload gives (the blob store forces what it stores).
      s = layers.seal(mtime);
      if (s != null) {
        // Closing the write channels bounds descriptors: a sealed file is only read again, through a lazily
        // opened channel.
        for (DirtyChunk d : s.chunks.values()) {
          d.close();
        }
      }
    } finally {
      unlockWrite();
    }
    journalPending(journal);
    return s;
  }

  /**
   * Journals every pending snapshot not journaled yet, oldest first, under {@link #journalLock} (so entries are in
   * snapshot order) and outside {@link #lock}. On return (without exception) every snapshot sealed before the call
   * is journaled.
   */
  void journalPending(Journal journal) throws FsException {
    journalLock.lock();
    try {
      while (true) {
        Snapshot next;
        PendingUpload payload;
        lock.readLock().lock();
        try {
          next = layers.firstUnjournaled();
          if (next == null) {
            return;
          }
          payload = next.payload();
        } finally {
          lock.readLock().unlock();
        }
        long id = journal.append(this, next.baseVersion, payload);
        boolean orphaned;
        lock.writeLock().lock();
        try {
          orphaned = discarded; // purged during the insert: its data is gone, so is the entry
          next.journalId = id;
        } finally {
          unlockWrite();
        }
        if (orphaned) {
          journal.remove(id);
          return;
        }
      }
    } finally {
      journalLock.unlock();
    }
  }

  /** Queues a snapshot recovered from the upload journal after a restart. */
  void addRecovered(PendingUpload p, long journalId, long baseVersion, List<DirtyChunk> chunks) {
    lock.writeLock().lock();
    try {
      layers.addRecovered(p, journalId, baseVersion, chunks);
      mtime = p.mtime();
      ctime = p.mtime();
    } finally {
      unlockWrite();
    }
  }

  /** The oldest pending snapshot if it is journaled (an unjournaled one must not commit before its entry exists). */
  Snapshot headPending() {
    return reading(() -> {
      Snapshot s = layers.oldestPending();
      return s == null || s.journalId == Snapshot.NOT_JOURNALED ? null : s;
    });
  }

  long version() {
    return reading(layers::version);
  }

  /** Hands the committed view (version and chunk map, read together) to {@code maps}, as the file leaves the table. */
  void rememberCommitted(ChunkMaps maps) {
    lock.readLock().lock();
    try {
      maps.remember(id, layers.version(), layers.committedChunks());
    } finally {
      lock.readLock().unlock();
    }
  }

  boolean discarded() {
    return discarded;
  }

  /** After a commit: the snapshot's chunks are committed; its files become clean cache entries. */
  void applyCommit(Snapshot s, InodeAttributes after, Map<Long, ChunkRef> uploaded) {
    lock.writeLock().lock();
    try {
      if (discarded) {
        return; // unlinked while uploading: the files are gone and the inode is being purged
      }
      if (layers.oldestPending() != s) {
        throw new IllegalStateException("snapshots of " + id + " committed out of order");
      }
      layers.commit(s, after, uploaded);
      for (DirtyChunk d : s.chunks.values()) {
        d.close();
        if (d.inMemory()) {
          cache.adoptBytes(uploaded.get(d.index), d.bytes());
          d.delete();
        } else {
          cache.adopt(d.path(), uploaded.get(d.index), d.length);
        }
      }
      for (DirtyChunk d : s.superseded) {
        chunkIo.free(d);
      }
    } finally {
      unlockWrite();
    }
  }

  /**
   * Another host committed a newer version: the committed view moves to it (clean cached chunks are keyed by blob,
   * so none goes stale) and the epoch advances, so local layers on top are rebased when they commit. An idle file
   * takes the new length and times; a file with local changes keeps its own length unless the other is longer.
   */
  boolean refresh(InodeAttributes current, List<ChunkRef> chunks) {
    lock.writeLock().lock();
    try {
      if (!layers.refresh(current, chunks)) {
        return false;
      }
      if (layers.clean()) {
        mtime = current.mtime();
        ctime = current.ctime();
      }
      return true;
    } finally {
      unlockWrite();
    }
  }

  /**
   * Rebuilds the chunks of {@code s} whose copied bytes are older than the committed view: each becomes the newer
   * committed bytes (cut at the snapshot's truncation point) with this host's written ranges on top. The originals
   * stay on disk until the commit, because the journal entry still names them. Call with {@link #uploadLock} held.
   *
   * @return whether any chunk was rebuilt
   */
  boolean rebaseStaleChunks(Snapshot s) throws FsException {
    ChunkLayers.Stale stale = reading(() -> layers.stale(s));
    if (stale.chunks().isEmpty()) {
      return false;
    }
    List<DirtyChunk> rebuilt = chunkIo.rebuild(stale, s.truncatedTo);
    lock.writeLock().lock();
    try {
      for (int i = 0; i < rebuilt.size(); i++) {
        s.supersede(stale.chunks().get(i), rebuilt.get(i));
      }
    } finally {
      unlockWrite();
    }
    return true;
  }

  /**
   * The length to commit for {@code s} after a conflict: its own when it set the length, else the longer of the
   * newer committed length and the end of what this host wrote.
   */
  long mergedSize(Snapshot s) {
    return reading(() -> layers.mergedSize(s));
  }

  /** Drops all unsaved and pending data (the file was unlinked); returns the journal ids to remove. */
  List<Long> discard() {
    lock.writeLock().lock();
    try {
      discarded = true;
      List<Long> ids = new ArrayList<>();
      for (Snapshot s : layers.pending()) {
        if (s.journalId != Snapshot.NOT_JOURNALED) {
          ids.add(s.journalId);
        }
      }
      for (DirtyChunk d : layers.dropLocal()) {
        chunkIo.free(d);
      }
      return ids;
    } finally {
      unlockWrite();
    }
  }

  /** The store's attributes with this host's unsaved size and times. */
  InodeAttributes overlay(InodeAttributes a) {
    // Without the lock: a write in progress holds it across its pwrite, and the view is as of the last release.
    AttrView v = view;
    // A snapshot older than our own last commit was read before that commit landed (setattr racing the
    // background upload): our size and times are the newer truth then.
    if (v.clean && a.version() >= v.version) {
      return a;
    }
    return a.withSize(v.size).withTimes(a.atime(), v.mtime, v.ctime.isAfter(a.ctime()) ? v.ctime : a.ctime());
  }

  /**
   * The kernel's flush of the times of a write ({@link SetAttrRules#isTimeFlush}) while that write is not sealed:
   * the next seal takes {@code t} as the snapshot's mtime, and its commit stores it as mtime and ctime.
   *
   * @return false, changing nothing, when there is no unsealed change or a sealed snapshot waits for its commit
   *     (whose own mtime would need a separate correction: {@link #overrideMtime} and a store write then)
   */
  boolean deferTimes(Instant t) {
    lock.writeLock().lock();
    try {
      if (!layers.changed() || layers.oldestPending() != null) {
        return false;
      }
      mtime = t;
      ctime = t;
      return true;
    } finally {
      unlockWrite();
    }
  }

  /** utimens while data is unsaved: the later commit must not bring back the sealed mtime. */
  void overrideMtime(Instant t) {
    lock.writeLock().lock();
    try {
      mtime = t;
      for (Snapshot s : layers.pending()) {
        s.mtimeOverride = t;
      }
    } finally {
      unlockWrite();
    }
  }

  boolean hasLocalChanges() {
    return reading(() -> !layers.clean());
  }

  int pendingCount() {
    return reading(() -> layers.pending().size());
  }

  /** When the oldest pending snapshot was queued (System.nanoTime), or {@link Long#MAX_VALUE} when none is. */
  long oldestPendingNanos() {
    return reading(() -> {
      Snapshot s = layers.oldestPending();
      return s == null ? Long.MAX_VALUE : s.queuedNanos;
    });
  }

  /** Nothing unsaved, nothing pending: the object may be dropped when no handle has it. */
  boolean idle() {
    return reading(layers::idle);
  }

  void closeResources() {
    lock.writeLock().lock();
    try {
      for (DirtyChunk d : layers.localChunks()) {
        d.close();
      }
    } finally {
      unlockWrite();
    }
  }

  private FsException io(String what, IOException e) {
    return DiskErrors.map(what + " " + id + " in the cache", e);
  }
}
