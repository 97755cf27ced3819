package org.truckeefs.redis;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.LockRangeSet;

/**
 * What this host holds in Redis, so it can put it back when Redis loses its state (a restart without persistence, a
 * flush), as an NFS client reclaims its locks after a server reboot. The loss shows as a missing epoch key: the first
 * host to meet it writes a new epoch and starts the grace period ({@code redis_grace_period}), during which Redis
 * grants no new lock; every live host meets the new epoch at its next heartbeat or grant and re-asserts its session,
 * read/write locks, permits, POSIX locks and ephemeral keys (open marks) here. A lock another host took meanwhile
 * (possible only when the loss was met first by a host that had just started) is not taken back: it is marked lost,
 * and this host's next use of it fails with EIO, so there is never a silent second holder.
 *
 * <p>Registration happens before a grant is sent and removal before a release is sent; a re-assert writes, then
 * checks the entry is still registered and undoes its write otherwise, so a release racing a re-assert never leaves
 * a lock behind. No Java lock is held across a Redis call.
 */
final class RedisReclaims {
  private static final Logger LOG = LoggerFactory.getLogger(RedisReclaims.class);

  /**
   * A read/write lock ({@code mode} 'r' or 'w') or a permit ({@code mode} null) this host asked for or holds:
   * {@code key} is the hash or zset. Only granted ones are re-asserted.
   */
  static final class Held {
    final String key;
    final String mode;
    final int permits;
    final long expiresAt;
    final RedisCoordinator.RedisLease lease;
    volatile boolean granted;

    Held(String key, String mode, int permits, long expiresAt, RedisCoordinator.RedisLease lease) {
      this.key = key;
      this.mode = mode;
      this.permits = permits;
      this.expiresAt = expiresAt;
      this.lease = lease;
    }
  }

  private record Ephemeral(String value, long expiresAt) {}

  /** This session's POSIX ranges in one lock hash, versioned so a re-assert can tell it raced a local change. */
  private static final class PosixMine {
    LockRangeSet set = LockRangeSet.empty();
    long seq;
    int inflight;
  }

  private final RedisCoordinator c;
  private volatile String knownEpoch = "";
  private final AtomicBoolean running = new AtomicBoolean();
  private final Map<String, Held> held = new ConcurrentHashMap<>(); // by holder id
  private final Map<String, Ephemeral> ephemeral = new ConcurrentHashMap<>(); // by full key
  private final Map<String, PosixMine> posix = new ConcurrentHashMap<>(); // by lock hash
  private final Map<String, Set<Long>> lostPosix = new ConcurrentHashMap<>(); // lock hash -> owners

  RedisReclaims(RedisCoordinator c) {
    this.c = c;
  }

  String knownEpoch() {
    return knownEpoch;
  }

  /** The first heartbeat's epoch: the state this host starts from. */
  void start(String epoch) {
    knownEpoch = epoch;
  }

  void hold(String holder, Held h) {
    held.put(holder, h);
  }

  void release(String holder) {
    held.remove(holder);
  }

  /**
   * Marks {@code h} granted; {@code grantEpoch} is the epoch its grant was checked against. A re-assert that is
   * running, or ran since, may have skipped it while it was not marked yet, so it is then treated as lost: its use
   * fails instead of risking a second holder. (Rare: Redis must lose its state within the grant's round trip.)
   */
  void granted(Held h, String grantEpoch) {
    h.granted = true;
    if (running.get() || !knownEpoch.equals(grantEpoch)) {
      h.lease.markLost();
    }
  }

  void putEphemeral(String key, String value, long expiresAt) {
    ephemeral.put(key, new Ephemeral(value, expiresAt));
  }

  void removeEphemeral(String key) {
    ephemeral.remove(key);
  }

  /** Before a POSIX compare-and-set on {@code hash}: a re-assert waits for it to finish. */
  void posixBegin(String hash) {
    PosixMine m = posix.computeIfAbsent(hash, k -> new PosixMine());
    synchronized (m) {
      m.inflight++;
    }
  }

  /** After it: {@code written} is the set now stored, or null when the write did not happen. */
  void posixEnd(String hash, LockRangeSet written) {
    PosixMine m = posix.get(hash);
    synchronized (m) {
      m.inflight--;
      if (written != null) {
        m.set = written.retainSessions(c.sessionId()::equals);
        m.seq++;
      }
      if (m.inflight == 0 && m.set.isEmpty()) {
        posix.remove(hash, m);
      }
    }
  }

  /** Fails once for each owner whose lock on {@code hash} was lost to another host after a Redis state loss. */
  void checkPosixLost(String hash, String key, long owner) throws FsException {
    Set<Long> lost = lostPosix.get(hash);
    if (lost != null && lost.remove(owner)) {
      lostPosix.remove(hash, Set.<Long>of());
      throw new FsException(FsError.IO, "the lock on " + key + " was lost: Redis lost its state and another host "
          + "locked the range before this one could re-assert it");
    }
  }

  /**
   * Re-asserts everything when the epoch moved; runs on one thread at a time (others return at once and retry their
   * grant later). Failures leave the known epoch as it was, so the next heartbeat tries again.
   */
  void run() {
    if (!running.compareAndSet(false, true)) {
      return;
    }
    try {
      String epoch = c.currentEpoch();
      if (epoch == null || epoch.equals(knownEpoch)) {
        return;
      }
      LOG.warn("Redis at {} lost its state (restart or flush): re-asserting {} lock(s) and permit(s), {} POSIX lock "
          + "set(s) and {} ephemeral key(s) of session {}", c.server(), held.size(), posix.size(), ephemeral.size(),
          c.sessionId());
      c.reassertSession();
      int lost = 0;
      for (Map.Entry<String, Held> e : held.entrySet()) {
        if (!reassertHeld(e.getKey(), e.getValue())) {
          lost++;
        }
      }
      for (String hash : posix.keySet()) {
        lost += reassertPosix(hash);
      }
      for (Map.Entry<String, Ephemeral> e : ephemeral.entrySet()) {
        long left = e.getValue().expiresAt() - c.now();
        if (left > 0) {
          c.setEphemeralRaw(e.getKey(), e.getValue().value(), Math.max(1, left / 1_000_000));
          if (ephemeral.get(e.getKey()) != e.getValue()) { // removed (or replaced) meanwhile: not ours to keep
            Ephemeral now = ephemeral.get(e.getKey());
            if (now == null) {
              c.deleteRaw(e.getKey());
            }
          }
        }
      }
      knownEpoch = epoch;
      if (lost > 0) {
        LOG.error("{} lock(s) of session {} could not be re-asserted (another host took them first); their next use "
            + "fails with EIO", lost, c.sessionId());
      } else {
        LOG.info("session {} re-asserted its state in Redis at {}", c.sessionId(), c.server());
      }
    } catch (FsException | RuntimeException e) {
      LOG.warn("re-asserting locks in Redis at {} failed ({}); retrying at the next heartbeat", c.server(),
          e.getMessage());
    } finally {
      running.set(false);
    }
  }

  private boolean reassertHeld(String holder, Held h) throws FsException {
    if (!h.granted) {
      return true; // still being asked for: the grant itself meets the new epoch
    }
    boolean ok;
    if (h.mode != null) {
      ok = c.reassertRw(h.key, holder, h.mode);
    } else {
      long left = h.expiresAt - c.now();
      if (left <= 0) {
        return true; // stale permit: it would have come back anyway
      }
      ok = c.reassertPermit(h.key, holder, h.permits, Math.max(1, left / 1_000_000));
    }
    if (!ok) {
      held.remove(holder, h);
      h.lease.markLost();
      return false;
    }
    if (held.get(holder) != h) { // released while we re-asserted it: release again
      c.releaseRaw(h.key, holder, h.mode != null);
    }
    return true;
  }

  /** Puts this session's ranges back into {@code hash}; returns how many owners lost theirs. */
  private int reassertPosix(String hash) throws FsException {
    while (true) {
      PosixMine m = posix.get(hash);
      if (m == null) {
        return 0;
      }
      LockRangeSet mine;
      long seq;
      synchronized (m) {
        if (m.inflight > 0) {
          mine = null;
          seq = -1;
        } else {
          mine = m.set;
          seq = m.seq;
        }
      }
      if (mine == null) {
        LockSupport.parkNanos(1_000_000); // a local lock change is on the wire; it finishes in one round trip
        continue;
      }
      RedisCoordinator.PosixState s = c.readPosixRaw(hash);
      LockRangeSet merged = s.locks().retainSessions(id -> !id.equals(c.sessionId()));
      Set<Long> lostOwners = new java.util.HashSet<>();
      for (LockRangeSet.Held h : mine.locks()) {
        if (lostOwners.contains(h.owner())) {
          continue;
        }
        if (merged.conflict(h.session(), h.owner(), h.range()).isPresent()) {
          lostOwners.add(h.owner());
          continue;
        }
        merged = merged.apply(h.session(), h.owner(), h.range());
      }
      for (long o : lostOwners) {
        merged = merged.withoutOwner(c.sessionId(), o);
      }
      if (!c.writePosixRaw(hash, s.version(), merged)) {
        continue; // moved under us: read again
      }
      synchronized (m) {
        if (m.inflight > 0 || m.seq != seq) {
          continue; // a local change raced this write: put the newest set back
        }
        m.set = merged.retainSessions(c.sessionId()::equals);
      }
      if (!lostOwners.isEmpty()) {
        lostPosix.computeIfAbsent(hash, k -> ConcurrentHashMap.newKeySet()).addAll(lostOwners);
      }
      return lostOwners.size();
    }
  }
}
