package org.truckeefs.core;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.spi.Coordinator;

/**
 * flock(2) and fcntl(2) record locks over the coordinator's POSIX lock primitive, so locks hold across hosts. flock
 * locks belong to an open file description (a handle), record locks to a process (the lock owner), released by
 * any of its closes of the file.
 *
 * <p>Coherence, the NFS way: taking a lock revalidates the file like an open does (the holder sees what the previous
 * holder committed); giving one up first commits this host's writes, so the next holder on any host sees them.
 *
 * <p>Locking: no lock of its own; the owner sets are concurrent. A blocking request waits in the coordinator
 * (at most {@link #LOCK_WAIT}) holding nothing of this process.
 */
final class PosixLocks {
  private static final Logger log = LoggerFactory.getLogger(PosixLocks.class);
  /**
   * How long a blocking lock request (F_SETLKW, flock without LOCK_NB) waits before it fails with ETIMEDOUT: an
   * hour, so a lock leaked by a live but stuck process cannot hang other processes forever. Locks of a dead host
   * go much sooner, with its coordinator session.
   */
  static final Duration LOCK_WAIT = Duration.ofHours(1);

  /** What the write-back pipeline does around a lock change. */
  interface Coherence {
    /** Before a lock goes: the file's writes reach the store (seal, upload, commit). */
    void commit(OpenFile f) throws FsException;

    /** After a lock is granted: the file's view moves to what the store holds now. */
    void revalidate(OpenFile f) throws FsException;
  }

  private final Coordinator coordinator;
  private final Coherence coherence;
  /** Lock owners holding (or having held) fcntl locks per inode on this host, to skip needless releases. */
  private final ConcurrentHashMap<InodeId, Set<Long>> fcntlOwners = new ConcurrentHashMap<>();

  PosixLocks(Coordinator coordinator, Coherence coherence) {
    this.coordinator = coordinator;
    this.coherence = coherence;
  }

  static String flockKey(InodeId inode) {
    return "flock:" + inode.value();
  }

  static String fcntlKey(InodeId inode) {
    return "fcntl:" + inode.value();
  }

  /** Blocking lock requests granted ({@code [0]}) and the nanoseconds they took to be granted ({@code [1]}). */
  final java.util.concurrent.atomic.LongAdder[] waits = {new java.util.concurrent.atomic.LongAdder(),
      new java.util.concurrent.atomic.LongAdder()};

  private void waited(boolean wait, long since) {
    if (wait) {
      waits[0].increment();
      waits[1].add(System.nanoTime() - since);
    }
  }

  /** flock(2): one lock per open file description, on the whole file. */
  void flock(FileHandle h, long owner, LockRange.Type type, boolean wait) throws FsException {
    LockRange whole = new LockRange(type, 0, Long.MAX_VALUE, 0);
    if (type == LockRange.Type.UNLOCK) {
      commitBeforeUnlock(h);
      coordinator.setPosixLock(flockKey(h.inode), owner, whole, Duration.ZERO);
      h.flockOwners.remove(owner);
      return;
    }
    h.flockOwners.add(owner);
    long t0 = System.nanoTime();
    coordinator.setPosixLock(flockKey(h.inode), owner, whole, wait ? LOCK_WAIT : Duration.ZERO);
    waited(wait, t0);
    revalidate(h);
  }

  /** F_GETLK: the first lock of another owner that conflicts with {@code range}, or null. */
  LockRange getlk(FileHandle h, long owner, LockRange range) throws FsException {
    return coordinator.findPosixConflict(fcntlKey(h.inode), owner, range).orElse(null);
  }

  /** F_SETLK/F_SETLKW. */
  void setlk(FileHandle h, long owner, LockRange range, boolean wait) throws FsException {
    if (range.type() == LockRange.Type.UNLOCK) {
      commitBeforeUnlock(h);
      coordinator.setPosixLock(fcntlKey(h.inode), owner, range, Duration.ZERO);
      return;
    }
    fcntlOwners.computeIfAbsent(h.inode, k -> ConcurrentHashMap.newKeySet()).add(owner);
    h.fcntlOwners.add(owner);
    long t0 = System.nanoTime();
    coordinator.setPosixLock(fcntlKey(h.inode), owner, range, wait ? LOCK_WAIT : Duration.ZERO);
    waited(wait, t0);
    revalidate(h);
  }

  /** POSIX: a process's record locks on a file go with any close of it by that process. */
  void closedBy(FileHandle h, long owner) throws FsException {
    Set<Long> owners = fcntlOwners.get(h.inode);
    if (owners == null || !owners.remove(owner)) {
      return; // this owner never locked the file here: no coordinator round trip
    }
    commitBeforeUnlock(h);
    coordinator.releasePosixLocks(fcntlKey(h.inode), owner);
  }

  /** The last close of an open file description drops its flock locks (and its owners' record locks). */
  void released(FileHandle h) {
    for (long owner : h.flockOwners) {
      try {
        commitBeforeUnlock(h);
        coordinator.releasePosixLocks(flockKey(h.inode), owner);
      } catch (FsException e) {
        log.warn("could not release flock of {}: {}; it goes when this host's session ends", h.inode, e.getMessage());
      }
    }
    h.flockOwners.clear();
    for (long owner : h.fcntlOwners) {
      try {
        closedBy(h, owner);
      } catch (FsException e) {
        log.warn("could not release record locks of {}: {}; they go when this host's session ends", h.inode,
            e.getMessage());
      }
    }
    h.fcntlOwners.clear();
  }

  private void revalidate(FileHandle h) throws FsException {
    if (h.file != null) {
      coherence.revalidate(h.file);
    }
  }

  private void commitBeforeUnlock(FileHandle h) throws FsException {
    if (h.file != null) {
      coherence.commit(h.file);
    }
  }
}
