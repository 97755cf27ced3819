package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.ChunkRef;

/**
 * The content state of one file inode on this host, shared by all its handles. The file is seen through layers:
 * the current dirty layer (chunks being written), sealed snapshots waiting for upload (oldest first), and the
 * committed chunk map. A chunk is looked up top-down; a layer's truncation point hides the chunks below it, and a
 * chunk found nowhere is a hole (zeros).
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
 * <p>Locking: {@link #lock} guards all content state (reads share it, writes, truncation, sealing and commit
 * application take it exclusively; the attribute overlay reads a copy published at each release of the exclusive
 * lock instead, see {@link #view}); it is never held across a blob-store call, a journal insert or a disk sync
 * (reads fetch missing chunks before taking it). {@link #journalLock} orders this file's journal appends and
 * {@link #uploadLock} serialises its uploads, so snapshots are journaled and commit in order; both are taken
 * before {@link #lock}, never while holding it. The handle count is guarded by the open-file table. The layers
 * ({@link Layer}, {@link Snapshot}) and their {@link DirtyChunk}s are guarded by {@link #lock} too; the rebase
 * itself ({@link ChunkRebase}) runs outside it, on sealed files only.
 */
final class OpenFile {
  final InodeId id;
  private final int chunkSize;
  private final ChunkCache cache;
  private final Clock clock;
  /** Runs the running hashes' catch-ups (see {@link RunningHash}), off the writer's thread. */
  private final Executor hashers;
  private final int hashStep;
  final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  final ReentrantLock uploadLock = new ReentrantLock();
  /**
   * Orders this file's journal appends (recovery replays entries in journal order). Held across the journal append
   * (one local write) on purpose, without {@link #lock}: it holds up only another seal of the same file.
   */
  final ReentrantLock journalLock = new ReentrantLock();
  final AtomicBoolean drainQueued = new AtomicBoolean();

  // @GuardedBy("lock")
  private long version;
  /** Advances whenever the committed view is replaced by another host's newer version. */
  private long epoch;
  private long committedSize;
  private final TreeMap<Long, ChunkRef> committed = new TreeMap<>();
  private final ArrayDeque<Snapshot> pending = new ArrayDeque<>();
  private Layer dirty = new Layer();
  private long size;
  private Instant mtime;
  private Instant ctime;
  private boolean changed;
  private long nextSeq = 1;

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

  /**
   * @param hashers runs the catch-ups of the running hashes of this file's dirty chunks; null when the blob store
   *     does not use a digest (then no chunk is hashed)
   */
  OpenFile(InodeAttributes attrs, List<ChunkRef> chunks, int chunkSize, ChunkCache cache, Clock clock,
      Executor hashers) {
    this.id = attrs.id();
    this.hashers = hashers;
    this.hashStep = Math.min(RunningHash.MAX_STEP, chunkSize / 4);
    this.chunkSize = chunkSize;
    this.cache = cache;
    this.clock = clock;
    this.version = attrs.version();
    this.committedSize = attrs.size();
    this.size = attrs.size();
    this.mtime = attrs.mtime();
    this.ctime = attrs.ctime();
    for (ChunkRef c : chunks) {
      committed.put(c.index(), c);
    }
    this.view = new AttrView(true, version, size, mtime, ctime);
  }

  /** Releases the write lock, publishing the attributes changed under it first (see {@link #view}). */
  private void unlockWrite() {
    view = new AttrView(!changed && pending.isEmpty(), version, size, mtime, ctime);
    lock.writeLock().unlock();
  }

  /** Where a chunk's bytes come from. */
  private sealed interface Source permits Hole, Dirty, Clean {}

  private record Hole() implements Source {}

  private record Dirty(DirtyChunk chunk) implements Source {}

  private record Clean(ChunkRef ref) implements Source {}

  private static final Hole HOLE = new Hole();

  private Source resolve(long idx) {
    DirtyChunk d = dirty.chunks.get(idx);
    if (d != null) {
      return new Dirty(d);
    }
    if (idx >= dirty.dropFrom) {
      return HOLE;
    }
    for (Iterator<Snapshot> it = pending.descendingIterator(); it.hasNext(); ) {
      Snapshot s = it.next();
      d = s.chunks.get(idx);
      if (d != null) {
        return new Dirty(d);
      }
      if (idx >= s.dropFrom) {
        return HOLE;
      }
    }
    ChunkRef c = committed.get(idx);
    return c == null ? HOLE : new Clean(c);
  }

  private static long length(Source s) {
    if (s instanceof Dirty d) {
      return d.chunk.length;
    }
    if (s instanceof Clean c) {
      return c.ref.length();
    }
    return 0;
  }

  // ---- reads

  int read(long offset, ByteBuffer dst, boolean sequential) throws FsException {
    prefetch(offset, dst.remaining(), sequential);
    lock.readLock().lock();
    try {
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
        Source s = resolve(idx);
        long avail = Math.max(0, Math.min(n, length(s) - within));
        if (avail > 0) {
          int limit = dst.limit();
          dst.limit(dst.position() + (int) avail);
          try {
            if (s instanceof Dirty d) {
              ChunkBytes.readFully(d.chunk.channel(), dst, within);
            } else {
              cache.read(((Clean) s).ref, within, dst, sequential);
            }
          } finally {
            dst.limit(limit);
          }
        }
        ChunkBytes.zeros(dst, n - (int) avail);
        pos += n;
        lastIdx = idx;
      }
      if (sequential && lastIdx >= 0 && resolve(lastIdx + 1) instanceof Clean next) {
        cache.readAhead(next.ref);
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
    List<long[]> wanted = null; // {chunk index, offset within, length}
    List<ChunkRef> refs = null;
    lock.readLock().lock();
    try {
      if (offset >= size || length <= 0) {
        return;
      }
      long end = offset + Math.min(length, size - offset);
      for (long pos = offset; pos < end; ) {
        long idx = pos / chunkSize;
        int within = (int) (pos % chunkSize);
        int n = (int) Math.min(end - pos, chunkSize - within);
        if (resolve(idx) instanceof Clean c && !cache.isCached(c.ref.blob())) {
          if (wanted == null) {
            wanted = new ArrayList<>();
            refs = new ArrayList<>();
          }
          wanted.add(new long[] {within, n});
          refs.add(c.ref);
        }
        pos += n;
      }
    } finally {
      lock.readLock().unlock();
    }
    if (wanted != null) {
      for (int i = 0; i < wanted.size(); i++) {
        cache.prefetch(refs.get(i), wanted.get(i)[0], (int) wanted.get(i)[1], sequential);
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
      start = append ? size : offset;
      int total = src.remaining();
      if (start + total > RiverFS.MAX_FILE_SIZE || start + total < 0) {
        throw new FsException(FsError.FILE_TOO_BIG, "write would grow the file past " + RiverFS.MAX_FILE_SIZE);
      }
      long pos = start;
      while (src.hasRemaining()) {
        long idx = pos / chunkSize;
        int within = (int) (pos % chunkSize);
        int n = Math.min(src.remaining(), chunkSize - within);
        DirtyChunk d = dirtyChunk(idx, within, n);
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
            d.written.add(within, within + k);
            long newLen = Math.max(d.length, within + k);
            cache.addDirty(newLen - d.length);
            d.length = newLen;
            pos += k;
            done += k;
            claimForHash(d, within);
          }
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
        size = Math.max(size, start + done);
        touch();
      }
      unlockWrite();
    }
  }

  /**
   * Tells the chunk's running hash that bytes from {@code within} reached its file; the hashing executor then
   * hashes them while this writer goes on (its put need not hash the chunk again).
   */
  private void claimForHash(DirtyChunk d, int within) {
    if (hashers != null && d.hash.wrote(within, d.written.runEnd(within), hashStep)) {
      try {
        hashers.execute(() -> d.hash.catchUp(d.hashSource));
      } catch (RejectedExecutionException closing) {
        d.hash.notQueued(); // the put hashes what is left
      }
    }
  }

  /** The dirty chunk at {@code idx}, made by copy-on-write unless the write replaces all existing bytes. */
  private DirtyChunk dirtyChunk(long idx, int within, int n) throws IOException, FsException {
    DirtyChunk d = dirty.chunks.get(idx);
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

  private DirtyChunk newDirtyChunk(long idx, int within, int n) throws IOException, FsException {
    DirtyChunk d;
    Source s = resolve(idx);
    long existing = length(s);
    Path p = cache.newDirtyFile(id);
    FileChannel ch = ChunkCache.createDirtyFile(p);
    long len = 0;
    long base = epoch;
    try {
      boolean replacesAll = within == 0 && n >= existing;
      if (!replacesAll && s instanceof Dirty from) {
        FileChannel src = from.chunk.channel();
        long done = 0;
        while (done < existing) {
          done += src.transferTo(done, existing - done, ch.position(done));
        }
        len = existing;
        base = from.chunk.baseEpoch;
      } else if (!replacesAll && s instanceof Clean c) {
        cache.copyInto(c.ref, ch);
        len = existing;
      }
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(p);
      throw e;
    }
    d = new DirtyChunk(idx, p, ch, len, new ByteRanges(), base);
    if (hashers == null) {
      d.hash.lost(); // its put then passes no digest, and computes none
    }
    cache.addDirty(len);
    dirty.chunks.put(idx, d);
    return d;
  }

  /** Sets the length; shrinking drops whole chunks past the end and trims the chunk that holds the new end. */
  void truncate(long newSize) throws FsException {
    if (newSize < 0 || newSize > RiverFS.MAX_FILE_SIZE) {
      throw new FsException(newSize < 0 ? FsError.INVALID : FsError.FILE_TOO_BIG, "bad length " + newSize);
    }
    lock.writeLock().lock();
    try {
      if (newSize < size) {
        long keep = (newSize + chunkSize - 1) / chunkSize;
        for (Iterator<DirtyChunk> it = dirty.chunks.tailMap(keep, true).values().iterator(); it.hasNext(); ) {
          DirtyChunk d = it.next();
          it.remove();
          cache.addDirty(-d.length);
          d.delete();
        }
        dirty.dropFrom = Math.min(dirty.dropFrom, keep);
        int within = (int) (newSize % chunkSize);
        if (within > 0) {
          long idx = keep - 1;
          if (length(resolve(idx)) > within) {
            DirtyChunk d = dirtyChunk(idx, 0, 0);
            d.hash.lost();
            d.ch.truncate(within);
            d.written.trimTo(within);
            cache.addDirty(within - d.length);
            d.length = within;
          }
        }
      }
      size = newSize;
      dirty.sizeSet = true;
      dirty.truncatedTo = Math.min(dirty.truncatedTo, newSize);
      touch();
    } catch (IOException e) {
      throw io("truncate", e);
    } finally {
      unlockWrite();
    }
  }

  private void touch() {
    Instant now = clock.instant();
    mtime = now;
    ctime = now;
    changed = true;
  }

  long size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
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
      if (changed) {
        // No force here: close() promises survival of a process crash, which the page cache already gives; fsync
        // promises survival of a power loss, which the upload gives (the blob store forces what it stores).
        s = new Snapshot(nextSeq++, dirty, size, mtime);
        s.baseVersion = version;
        // Closing the write channels bounds descriptors: a sealed file is only read again, through a lazily
        // opened channel.
        for (DirtyChunk d : dirty.chunks.values()) {
          d.close();
        }
        pending.addLast(s);
        dirty = new Layer();
        changed = false;
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
        Snapshot next = null;
        PendingUpload payload;
        lock.readLock().lock();
        try {
          for (Snapshot p : pending) {
            if (p.journalId == Snapshot.NOT_JOURNALED) {
              next = p;
              break;
            }
          }
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
      Layer l = new Layer();
      // sealed on top of the version now committed: its copies are current; else another host committed since
      long base = baseVersion == version ? epoch : -1;
      for (DirtyChunk d : chunks) {
        d.baseEpoch = base;
        l.chunks.put(d.index, d);
      }
      l.dropFrom = p.dropFrom();
      l.sizeSet = p.sizeSet();
      l.truncatedTo = p.truncatedTo();
      Snapshot s = new Snapshot(nextSeq++, l, p.size(), p.mtime());
      s.baseVersion = baseVersion;
      s.journalId = journalId;
      pending.addLast(s);
      size = p.size();
      mtime = p.mtime();
      ctime = p.mtime();
    } finally {
      unlockWrite();
    }
  }

  /** The oldest pending snapshot if it is journaled (an unjournaled one must not commit before its entry exists). */
  Snapshot headPending() {
    lock.readLock().lock();
    try {
      Snapshot s = pending.peekFirst();
      return s == null || s.journalId == Snapshot.NOT_JOURNALED ? null : s;
    } finally {
      lock.readLock().unlock();
    }
  }

  long version() {
    lock.readLock().lock();
    try {
      return version;
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
      if (pending.peekFirst() != s) {
        throw new IllegalStateException("snapshots of " + id + " committed out of order");
      }
      committed.tailMap(s.dropFrom, true).clear();
      committed.putAll(uploaded);
      version = after.version();
      committedSize = after.size();
      pending.removeFirst();
      for (DirtyChunk d : s.chunks.values()) {
        d.close();
        cache.adopt(d.path, uploaded.get(d.index), d.length);
      }
      for (DirtyChunk d : s.superseded) {
        cache.addDirty(-d.length);
        d.delete();
      }
      if (pending.isEmpty() && !changed) {
        size = after.size(); // a rebased commit may have merged in another host's length
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
      if (current.version() <= version) {
        return false;
      }
      version = current.version();
      committedSize = current.size();
      epoch++;
      committed.clear();
      for (ChunkRef c : chunks) {
        committed.put(c.index(), c);
      }
      if (!changed && pending.isEmpty()) {
        size = current.size();
        mtime = current.mtime();
        ctime = current.ctime();
      } else if (!localSizeSet()) {
        size = Math.max(size, current.size());
      }
      return true;
    } finally {
      unlockWrite();
    }
  }

  private boolean localSizeSet() {
    if (dirty.sizeSet) {
      return true;
    }
    for (Snapshot s : pending) {
      if (s.sizeSet) {
        return true;
      }
    }
    return false;
  }

  /**
   * Rebuilds the chunks of {@code s} whose copied bytes are older than the committed view: each becomes the newer
   * committed bytes (cut at the snapshot's truncation point) with this host's written ranges on top. The originals
   * stay on disk until the commit, because the journal entry still names them. Call with {@link #uploadLock} held.
   *
   * @return whether any chunk was rebuilt
   */
  boolean rebaseStaleChunks(Snapshot s) throws FsException {
    List<DirtyChunk> stale = new ArrayList<>();
    Map<Long, ChunkRef> theirs = new TreeMap<>();
    long current;
    lock.readLock().lock();
    try {
      current = epoch;
      for (DirtyChunk d : s.chunks.values()) {
        if (d.baseEpoch != current) {
          stale.add(d);
          ChunkRef c = d.index < s.dropFrom ? committed.get(d.index) : null;
          if (c != null) {
            theirs.put(d.index, c);
          }
        }
      }
    } finally {
      lock.readLock().unlock();
    }
    if (stale.isEmpty()) {
      return false;
    }
    List<DirtyChunk> rebuilt = new ArrayList<>();
    try {
      for (DirtyChunk d : stale) {
        rebuilt.add(ChunkRebase.rebuild(id, chunkSize, cache, d, theirs.get(d.index), s.truncatedTo, current));
      }
    } catch (FsException | RuntimeException e) {
      for (DirtyChunk r : rebuilt) {
        cache.addDirty(-r.length);
        r.delete();
      }
      throw e;
    }
    lock.writeLock().lock();
    try {
      for (int i = 0; i < stale.size(); i++) {
        s.superseded.add(stale.get(i));
        s.chunks.put(rebuilt.get(i).index, rebuilt.get(i));
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
    lock.readLock().lock();
    try {
      if (s.sizeSet) {
        return s.size;
      }
      long end = 0;
      for (DirtyChunk d : s.chunks.values()) {
        if (d.written.end() > 0) {
          end = Math.max(end, d.index * chunkSize + d.written.end());
        }
      }
      return Math.max(committedSize, end);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Drops all unsaved and pending data (the file was unlinked); returns the journal ids to remove. */
  List<Long> discard() {
    lock.writeLock().lock();
    try {
      discarded = true;
      List<Long> ids = new ArrayList<>();
      for (Snapshot s : pending) {
        if (s.journalId != Snapshot.NOT_JOURNALED) {
          ids.add(s.journalId);
        }
        for (DirtyChunk d : s.chunks.values()) {
          cache.addDirty(-d.length);
          d.delete();
        }
        for (DirtyChunk d : s.superseded) {
          cache.addDirty(-d.length);
          d.delete();
        }
      }
      pending.clear();
      for (DirtyChunk d : dirty.chunks.values()) {
        cache.addDirty(-d.length);
        d.delete();
      }
      dirty = new Layer();
      changed = false;
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
      if (!changed || !pending.isEmpty()) {
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
      for (Snapshot s : pending) {
        s.mtimeOverride = t;
      }
    } finally {
      unlockWrite();
    }
  }

  boolean hasLocalChanges() {
    lock.readLock().lock();
    try {
      return changed || !pending.isEmpty();
    } finally {
      lock.readLock().unlock();
    }
  }

  int pendingCount() {
    lock.readLock().lock();
    try {
      return pending.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** When the oldest pending snapshot was queued (System.nanoTime), or {@link Long#MAX_VALUE} when none is. */
  long oldestPendingNanos() {
    lock.readLock().lock();
    try {
      Snapshot s = pending.peekFirst();
      return s == null ? Long.MAX_VALUE : s.queuedNanos;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Nothing unsaved, nothing pending: the object may be dropped when no handle has it. */
  boolean idle() {
    lock.readLock().lock();
    try {
      return !changed && pending.isEmpty() && dirty.chunks.isEmpty();
    } finally {
      lock.readLock().unlock();
    }
  }

  void closeResources() {
    lock.writeLock().lock();
    try {
      for (DirtyChunk d : dirty.chunks.values()) {
        d.close();
      }
      for (Snapshot s : pending) {
        for (DirtyChunk d : s.chunks.values()) {
          d.close();
        }
        for (DirtyChunk d : s.superseded) {
          d.close();
        }
      }
    } finally {
      unlockWrite();
    }
  }

  private FsException io(String what, IOException e) {
    return DiskErrors.map(what + " " + id + " in the cache", e);
  }
}
