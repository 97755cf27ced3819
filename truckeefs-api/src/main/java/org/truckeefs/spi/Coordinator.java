package org.truckeefs.spi;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.truckeefs.api.FsException;

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

  Optional<String> getEphemeral(String key) throws FsException;

  void removeEphemeral(String key) throws FsException;

  /** This host's session id, registered at creation and kept alive by heartbeats until close. */
  String sessionId();

  /** Ids of the sessions whose heartbeat has not expired, this one included. */
  Set<String> liveSessions() throws FsException;

  /** Clears this filesystem's stale ephemeral state (never other filesystems', never the whole server). */
  void reset() throws FsException;

  @Override
  void close() throws FsException;
}
