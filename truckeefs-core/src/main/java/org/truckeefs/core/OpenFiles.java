package org.truckeefs.core;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.ChunkRef;

/**
 * The open-file table: the one {@link OpenFile} per inode that this host has open or still holds unsaved or pending
 * data for, and its handle count. An entry leaves when no handle has it and nothing is left to upload.
 *
 * <p>Locking: each change of an entry runs in the map's per-key compute, which does no I/O (no SQL, no upload wait,
 * no disk sync): an OpenFile is loaded from the store before it is offered to the map, and the loser of a race
 * for the same inode drops its copy, which holds no resources yet. Lock order where both are taken: map bin, then
 * {@link OpenFile#lock} (idle checks and closing channels).
 *
 * <p>Purge claims: an unlink that purges its inode in the same store transaction first claims the inode here, which
 * succeeds only while the table holds nothing of it. Until the claim ends, an open of that inode waits (for one
 * store transaction) and then loads it again: it finds the inode gone (ENOENT, as if it came after the unlink) or
 * still linked. So no handle can hold an inode that a purge removes under it.
 *
 * <p>A file that leaves hands its committed chunk map to {@link ChunkMaps}, so that its next open need not read it
 * from the store ({@link #chunksWhenLeft}).
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
  /** Inodes claimed by an unlink that purges them; changed only inside the table's compute of the same key. */
  private final ConcurrentHashMap<InodeId, CountDownLatch> claims = new ConcurrentHashMap<>();
  private final AtomicLong claimsEnded = new AtomicLong();
  private final ChunkMaps chunkMaps;

  OpenFiles() {
    this(new ChunkMaps());
  }

  /** @param chunkMaps remembers the committed chunk maps of the files that leave */
  OpenFiles(ChunkMaps chunkMaps) {
    this.chunkMaps = chunkMaps;
  }

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

  /**
   * The committed chunk map {@code id} had at {@code version} when it last left the table, or null when that is
   * not known (see {@link ChunkMaps}: exact, as a map is given only for the version it belongs to).
   */
  List<ChunkRef> chunksWhenLeft(InodeId id, long version) {
    return chunkMaps.get(id, version);
  }

  /** The inode's OpenFile with its handle count raised, loaded with {@code loader} (outside the map) if absent. */
  OpenFile acquire(InodeId id, Loader loader) throws FsException {
    return take(id, loader, loader, true);
  }

  /**
   * {@link #acquire} of a file this host just created: {@code created} builds it from what the create returned, unless
   * an unlink's purge claim may have come in between (one is in flight, or one ended since {@code claimStamp}, taken
   * before the create); then {@code reload} reads the store, which may no longer have it.
   */
  OpenFile acquire(InodeId id, Loader created, Loader reload, long claimStamp) throws FsException {
    return take(id, claimsEnded.get() == claimStamp ? created : reload, reload, true);
  }

  /** Take before creating a file; pass to {@link #acquire(InodeId, Loader, Loader, long)}. */
  long claimStamp() {
    return claimsEnded.get();
  }

  /** The inode's OpenFile without raising its handle count (recovered uploads), loaded if absent. */
  OpenFile getOrLoad(InodeId id, Loader loader) throws FsException {
    OpenFile f = files.get(id);
    return f != null ? f : take(id, loader, loader, false);
  }

  private OpenFile take(InodeId id, Loader first, Loader reload, boolean ref) throws FsException {
    Loader loader = first;
    while (true) {
      if (ref) {
        OpenFile present = files.computeIfPresent(id, (k, f) -> {
          f.refs++;
          return f;
        });
        if (present != null) {
          return present; // a claim needs an absent entry, so none is in flight
        }
      }
      CountDownLatch before = claims.get(id);
      if (before != null) {
        awaitClaim(before);
        loader = reload;
      }
      OpenFile fresh = loader.load(id);
      CountDownLatch[] claimed = {null};
      OpenFile use = files.compute(id, (k, f) -> {
        if (f == null) {
          claimed[0] = claims.get(id);
          if (claimed[0] != null) {
            return null; // loaded before a purge that may remove it: load again once it is done
          }
          f = fresh;
        }
        if (ref) {
          f.refs++;
        }
        return f;
      });
      if (claimed[0] == null) {
        return use;
      }
      awaitClaim(claimed[0]); // the loser's copy holds no resources yet
      loader = reload;
    }
  }

  private static void awaitClaim(CountDownLatch claim) throws FsException {
    if (claim == null) {
      return;
    }
    try {
      claim.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while the file was being removed");
    }
  }

  /**
   * Claims {@code id} for a purge in its unlink's transaction: succeeds only if this host holds nothing of it (no
   * handle, no unsaved data). Until {@link #endClaim}, opens of it wait.
   *
   * @return the claim, or null when the inode is in the table (or already claimed)
   */
  CountDownLatch claimForPurge(InodeId id) {
    CountDownLatch[] out = {null};
    files.compute(id, (k, f) -> {
      if (f == null) {
        CountDownLatch c = new CountDownLatch(1);
        if (claims.putIfAbsent(id, c) == null) {
          out[0] = c;
          chunkMaps.forget(id); // the purge may go ahead: its map is of no use any more
        }
      }
      return f;
    });
    return out[0];
  }

  /** Ends a claim: waiting opens load the inode again. */
  void endClaim(InodeId id, CountDownLatch claim) {
    claimsEnded.incrementAndGet(); // before the claim goes: a create's acquire that misses it sees the count move
    claims.remove(id, claim);
    claim.countDown();
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

  /**
   * Drops an unused, idle file, but never while an upload holds it: between the commit that made it idle and the
   * commit's announcements (the mirror's update, the change event) it must stay in the table, so that a
   * {@code syncAll} (an unmount) finds it and waits for them; the upload drops it when it is done.
   */
  private OpenFile dropIfIdle(OpenFile cur) {
    if (cur.refs == 0 && cur.idle() && !cur.uploadLock.isLocked()) {
      cur.rememberCommitted(chunkMaps);
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
    chunkMaps.forget(id); // ids are never reused: only memory to give back
    return out[0];
  }
}
