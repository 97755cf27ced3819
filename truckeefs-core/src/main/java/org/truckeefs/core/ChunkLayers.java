package org.truckeefs.core;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.spi.ChunkRef;

/**
 * The layered view of one {@link OpenFile}'s chunks and its length: the dirty layer being written, the sealed
 * {@link Snapshot}s waiting for upload (oldest first) and the committed chunk map, with the committed version, its
 * epoch and the file's size as this host sees it. A chunk is looked up top-down; a layer's truncation point hides the
 * chunks below it, and a chunk found nowhere is a hole (zeros).
 *
 * <p>It only moves chunks between layers and decides which one answers; the I/O on chunk files and the cache's
 * dirty-byte accounting stay with {@link OpenFile}, which gets back the chunks a change drops.
 *
 * <p>Locking: none of its own. It owns all the state named above, and every call must hold the owning file's
 * {@link OpenFile#lock} (the read lock for queries, the write lock for changes): keeping the view and the size
 * under that one lock is what lets a read, a truncate and a commit each see them consistent with each other.
 */
final class ChunkLayers {
  /** Where a chunk's bytes come from. */
  sealed interface Source permits Hole, Dirty, Clean {
    /** The chunk's length in this layer; a hole has none. */
    long length();
  }

  record Hole() implements Source {
    @Override
    public long length() {
      return 0;
    }
  }

  record Dirty(DirtyChunk chunk) implements Source {
    @Override
    public long length() {
      return chunk.length;
    }
  }

  record Clean(ChunkRef ref) implements Source {
    @Override
    public long length() {
      return ref.length();
    }
  }

  static final Hole HOLE = new Hole();

  private final int chunkSize;
  private long version;
  /** Advances whenever the committed view is replaced by another host's newer version. */
  private long epoch;
  private long committedSize;
  private final TreeMap<Long, ChunkRef> committed = new TreeMap<>();
  private final ArrayDeque<Snapshot> pending = new ArrayDeque<>();
  private Layer dirty = new Layer();
  /** The dirty layer changed the file since the last seal (a truncate may change it without a chunk). */
  private boolean changed;
  private long size;
  private long nextSeq = 1;

  ChunkLayers(int chunkSize, long version, long size, List<ChunkRef> chunks) {
    this.chunkSize = chunkSize;
    this.version = version;
    this.committedSize = size;
    this.size = size;
    for (ChunkRef c : chunks) {
      committed.put(c.index(), c);
    }
  }

  Source resolve(long idx) {
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

  long size() {
    return size;
  }

  long version() {
    return version;
  }

  /** The committed chunk map (of {@link #version}), in index order. */
  List<ChunkRef> committedChunks() {
    return List.copyOf(committed.values());
  }

  long epoch() {
    return epoch;
  }

  /** Nothing unsealed and nothing pending: the store's attributes are this host's. */
  boolean clean() {
    return !changed && pending.isEmpty();
  }

  /** Clean, and no dirty chunk file left either. */
  boolean idle() {
    return clean() && dirty.chunks.isEmpty();
  }

  boolean changed() {
    return changed;
  }

  // ---- the dirty layer

  /** This layer's own chunk at {@code idx}, or null (then a write copies it up first). */
  DirtyChunk dirtyChunk(long idx) {
    return dirty.chunks.get(idx);
  }

  void addDirty(DirtyChunk d) {
    dirty.chunks.put(d.index, d);
  }

  /** A write reached {@code end}. */
  void wrote(long end) {
    size = Math.max(size, end);
    changed = true;
  }

  /**
   * The first step of a truncate to {@code newSize} below the size: the dirty layer hides every chunk from the
   * first one wholly past the end. Returns the dirty chunks so dropped, for the caller to free.
   */
  List<DirtyChunk> dropPast(long newSize) {
    long keep = (newSize + chunkSize - 1) / chunkSize;
    Map<Long, DirtyChunk> past = dirty.chunks.tailMap(keep, true);
    List<DirtyChunk> dropped = new ArrayList<>(past.values());
    past.clear();
    dirty.dropFrom = Math.min(dirty.dropFrom, keep);
    return dropped;
  }

  /**
   * The last step of a truncate: the length is {@code newSize}, set by this host, so it wins over another host's
   * longer one, and its bytes past the smallest such length are zeros unless this host writes them again.
   */
  void truncated(long newSize) {
    size = newSize;
    dirty.sizeSet = true;
    dirty.truncatedTo = Math.min(dirty.truncatedTo, newSize);
    changed = true;
  }

  // ---- sealed snapshots

  /**
   * Moves the dirty layer into a new pending snapshot taken with {@code mtime}; null when nothing changed since
   * the last seal.
   */
  Snapshot seal(Instant mtime) {
    if (!changed) {
      return null;
    }
    Snapshot s = new Snapshot(nextSeq++, dirty, size, mtime);
    s.baseVersion = version;
    pending.addLast(s);
    dirty = new Layer();
    changed = false;
    return s;
  }

  /** Queues a snapshot recovered from the upload journal, on top of the others; the size becomes its size. */
  Snapshot addRecovered(PendingUpload p, long journalId, long baseVersion, List<DirtyChunk> chunks) {
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
    return s;
  }

  /** The pending snapshots, oldest first (read-only). */
  Collection<Snapshot> pending() {
    return Collections.unmodifiableCollection(pending);
  }

  /** The oldest pending snapshot, or null. */
  Snapshot oldestPending() {
    return pending.peekFirst();
  }

  /** The oldest pending snapshot without a journal entry yet, or null. */
  Snapshot firstUnjournaled() {
    for (Snapshot p : pending) {
      if (p.journalId == Snapshot.NOT_JOURNALED) {
        return p;
      }
    }
    return null;
  }

  // ---- the committed view

  /**
   * {@code s}, the oldest pending snapshot (the caller checked), committed as {@code after} with the chunks
   * {@code uploaded}: they replace the committed ones from its truncation point on, and it leaves the pending queue.
   */
  void commit(Snapshot s, InodeAttributes after, Map<Long, ChunkRef> uploaded) {
    committed.tailMap(s.dropFrom, true).clear();
    committed.putAll(uploaded);
    version = after.version();
    committedSize = after.size();
    pending.removeFirst();
    if (clean()) {
      size = after.size(); // a rebased commit may have merged in another host's length
    }
  }

  /**
   * Another host committed {@code current}: the committed view moves to it and the epoch advances, so local
   * layers on top are rebased when they commit. A clean file takes the new length; a file with local changes keeps
   * its own unless it did not set it and the other is longer.
   *
   * @return false, changing nothing, when {@code current} is not newer than the committed view
   */
  boolean refresh(InodeAttributes current, List<ChunkRef> chunks) {
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
    if (clean()) {
      size = current.size();
    } else if (!localSizeSet()) {
      size = Math.max(size, current.size());
    }
    return true;
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

  /** What a rebase of a snapshot needs: its chunks older than {@link #epoch} and the committed chunks under them. */
  record Stale(long epoch, List<DirtyChunk> chunks, Map<Long, ChunkRef> theirs) {}

  /** The chunks of {@code s} whose copied bytes are older than the committed view, with what to rebuild them on. */
  Stale stale(Snapshot s) {
    List<DirtyChunk> stale = new ArrayList<>();
    Map<Long, ChunkRef> theirs = new TreeMap<>();
    for (DirtyChunk d : s.chunks.values()) {
      if (d.baseEpoch != epoch) {
        stale.add(d);
        // past the snapshot's own truncation point the committed bytes are not part of the file it saw
        ChunkRef c = d.index < s.dropFrom ? committed.get(d.index) : null;
        if (c != null) {
          theirs.put(d.index, c);
        }
      }
    }
    return new Stale(epoch, stale, theirs);
  }

  /**
   * The length to commit for {@code s} after a conflict: its own when it set the length, else the longer of the
   * newer committed length and the end of what this host wrote.
   */
  long mergedSize(Snapshot s) {
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
  }

  // ---- all local chunks

  /** Every chunk file of this host's layers: the snapshots' (with those rebased away) and the dirty layer's. */
  List<DirtyChunk> localChunks() {
    List<DirtyChunk> all = new ArrayList<>();
    for (Snapshot s : pending) {
      all.addAll(s.chunks.values());
      all.addAll(s.superseded);
    }
    all.addAll(dirty.chunks.values());
    return all;
  }

  /**
   * Forgets every local layer (the file was unlinked): returns their chunk files, for the caller to free. The size
   * stays as it was: the file is never read again through this view.
   */
  List<DirtyChunk> dropLocal() {
    List<DirtyChunk> all = localChunks();
    pending.clear();
    dirty = new Layer();
    changed = false;
    return all;
  }
}
