package org.truckeefs.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Subscription;

/**
 * Coordination between the threads of one host and between hosts: read/write locks with a lease, counting
 * semaphores whose permits expire, an ephemeral key-value map with TTL, and a session registry. All state is
 * namespaced by the filesystem id, so several filesystems share one server. Waiting operations give up after
 * their {@code wait} with {@link org.truckeefs.api.FsError#TIMED_OUT}; an unreachable server is EIO.
 */
public interface Coordinator extends AutoCloseable {

  /** A shared lock on {@code key}; held until closed, or until the holder's session dies. */
  Lease readLock(String key, Duration wait) throws FsException;

  /** An exclusive lock on {@code key}; held until closed, or until the holder's session dies. */
  Lease writeLock(String key, Duration wait) throws FsException;

  /**
   * One permit of the counting semaphore {@code name}, which has {@code permits} permits in all. A permit not
   * returned within the semaphore timeout ({@code redis_semaphore_timeout}) expires and comes back.
   */
  Lease acquirePermit(String name, int permits, Duration wait) throws FsException;

  /** Stores {@code value} under {@code key} for {@code ttl}. */
  void putEphemeral(String key, String value, Duration ttl) throws FsException;

  /**
   * Like {@link #putEphemeral}, but may return before the server has the key: for a key that other hosts may find
   * missing for a moment anyway (the open mark of a file just created goes in after the create committed, when other
   * hosts can already see the file). This host's later calls on the key see it applied. A failure may be logged
   * instead of thrown. By default the same as {@link #putEphemeral}.
   */
  default void putEphemeralNoWait(String key, String value, Duration ttl) throws FsException {
    putEphemeral(key, value, ttl);
  }

  Optional<String> getEphemeral(String key) throws FsException;

  void removeEphemeral(String key) throws FsException;

  /** This host's session id, registered at creation and kept alive by heartbeats until close. */
  String sessionId();

  /**
   * Ids of the sessions whose heartbeat has not expired, this one included: a snapshot or a weakly consistent live
   * view, to iterate now rather than keep.
   */
  Set<String> liveSessions() throws FsException;

  /**
   * Whether the ephemeral key {@code keyPrefix + session} is there for some live session other than this one:
   * whether another host has a file open, asked at every unlink of a file's last name. By default {@link
   * #liveSessions} and then one {@link #getEphemeral} per other session, which is one call per host; a coordinator
   * on a server should answer in one round trip however many hosts there are.
   */
  default boolean heldByOtherSession(String keyPrefix) throws FsException {
    String self = sessionId();
    for (String s : liveSessions()) {
      if (!s.equals(self) && getEphemeral(keyPrefix + s).isPresent()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Sets, changes or removes ({@link LockRange.Type#UNLOCK}) a POSIX record lock on {@code key} for the lock owner
   * {@code (sessionId(), owner)}, with {@code fcntl(F_SETLK/F_SETLKW)} semantics: the owner's ranges are split,
   * merged, upgraded and downgraded in one atomic step, and only locks of other owners conflict. {@code range.pid()}
   * is recorded for {@link #findPosixConflict}. With a zero {@code wait} a conflict fails at once with
   * {@link FsError#AGAIN}; otherwise the call waits up to {@code wait} for the conflicting locks to go, then fails
   * with {@link FsError#TIMED_OUT}. Locks live until released or until the owner's session dies. {@code flock(2)}
   * locks are the whole range {@code [0, Long.MAX_VALUE]} under a key of their own, because on Linux flock and
   * fcntl locks do not interact.
   */
  default void setPosixLock(String key, long owner, LockRange range, Duration wait) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "POSIX locks are not supported by this coordinator");
  }

  /** {@code fcntl(F_GETLK)}: the first lock of another owner that conflicts with {@code range}, with its pid. */
  default Optional<LockRange> findPosixConflict(String key, long owner, LockRange range) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "POSIX locks are not supported by this coordinator");
  }

  /** Releases every POSIX lock the owner {@code (sessionId(), owner)} holds on {@code key} (close of the file). */
  default void releasePosixLocks(String key, long owner) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "POSIX locks are not supported by this coordinator");
  }

  /**
   * Sends {@code message} to every subscriber of this filesystem's channel on every host, this one included. Best
   * effort and asynchronous: it may return before delivery; a message sent while a subscriber is disconnected is
   * lost for it, which the subscriber learns through {@link MessageListener#onGap()}. Never blocks for long.
   */
  void publish(byte[] message) throws FsException;

  /** Delivers this filesystem's channel to {@code listener}, in publish order per publishing host, until closed. */
  Subscription subscribe(MessageListener listener) throws FsException;

  /** Clears this filesystem's stale ephemeral state (never other filesystems', never the whole server). */
  void reset() throws FsException;

  @Override
  void close() throws FsException;
}
