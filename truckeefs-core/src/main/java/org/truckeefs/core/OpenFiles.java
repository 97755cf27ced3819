package org.truckeefs.core;

import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;

/**
 * The open-file table: the one {@link OpenFile} per inode that this host has open or still holds unsaved or pending
 * data for, and its handle count. An entry leaves when no handle has it and nothing is left to upload.
 *
 * <p>Locking: each change of an entry runs in the map's per-key compute, which does no I/O (no SQL, no upload wait,
 * no disk sync): an OpenFile is loaded from the store before it is offered to the map, and the loser of a race
 * for the same inode drops its copy, which holds no resources yet. Lock order where both are taken: map bin, then
 * {@link OpenFile#lock} (idle checks and closing channels).
 */
final class OpenFiles {
  /** Builds the OpenFile of an inode not in the table; may read the metadata store. */
  interface Loader {
    OpenFile load(InodeId id) throws FsException;
  }

  /** What {@link #takeForPurge} found. */
  record Taken(boolean busy, OpenFile file) {
    static final Taken ABSENT = new Taken(false, null);
    static final Taken BUSY = new Taken(true, null);
  }

  private final ConcurrentHashMap<InodeId, OpenFile> files = new ConcurrentHashMap<>();
  /** Counts entries leaving; a reader of the store notices with it that an overlay may have gone meanwhile. */
  private final AtomicLong dropped = new AtomicLong();

  OpenFile get(InodeId id) {
    return files.get(id);
  }

  boolean contains(InodeId id) {
    return files.containsKey(id);
  }

  /** A live view of the entries. */
  Collection<OpenFile> all() {
    return files.values();
  }

  int size() {
    return files.size();
  }

  long drops() {
    return dropped.get();
  }

  /** The inode's OpenFile with its handle count raised, loaded with {@code loader} (outside the map) if absent. */
  OpenFile acquire(InodeId id, Loader loader) throws FsException {
    OpenFile present = files.computeIfPresent(id, (k, f) -> {
      f.refs++;
      return f;
    });
    if (present != null) {
      return present;
    }
    OpenFile fresh = loader.load(id);
    return files.compute(id, (k, f) -> {
      OpenFile use = f == null ? fresh : f;
      use.refs++;
      return use;
    });
  }

  /** The inode's OpenFile without raising its handle count (recovered uploads), loaded if absent. */
  OpenFile getOrLoad(InodeId id, Loader loader) throws FsException {
    OpenFile f = files.get(id);
    if (f != null) {
      return f;
    }
    OpenFile fresh = loader.load(id);
    OpenFile raced = files.putIfAbsent(id, fresh);
    return raced == null ? fresh : raced;
  }

  /**
   * Lowers {@code f}'s handle count and drops it when that was the last handle and nothing is pending.
   *
   * @return the handles left (0 also when {@code f} already left the table)
   */
  int release(OpenFile f) {
    int[] left = {0};
    files.computeIfPresent(f.id, (id, cur) -> {
      if (cur != f) {
        return cur;
      }
      cur.refs--;
      left[0] = cur.refs;
      return dropIfIdle(cur);
    });
    return left[0];
  }

  /** After an upload: drops {@code f} if no handle has it and nothing is pending. */
  void dropIfUnused(OpenFile f) {
    files.computeIfPresent(f.id, (id, cur) -> cur == f ? dropIfIdle(cur) : cur);
  }

  private OpenFile dropIfIdle(OpenFile cur) {
    if (cur.refs == 0 && cur.idle()) {
      cur.closeResources();
      dropped.incrementAndGet();
      return null;
    }
    return cur;
  }

  /**
   * Removes the inode's OpenFile for a purge unless a handle has it. The caller discards its data afterwards,
   * outside the map.
   */
  Taken takeForPurge(InodeId id) {
    Taken[] out = {Taken.ABSENT};
    files.computeIfPresent(id, (k, f) -> {
      if (f.refs > 0) {
        out[0] = Taken.BUSY;
        return f;
      }
      out[0] = new Taken(false, f);
      dropped.incrementAndGet();
      return null;
    });
    return out[0];
  }
}
