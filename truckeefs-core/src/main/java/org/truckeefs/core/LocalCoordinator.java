package org.truckeefs.core;

import java.time.Duration;
import java.util.Optional;
import java.util.Collections;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.Subscription;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.MessageListener;

/**
 * The in-JVM {@link Coordinator} ({@code local:}): read/write locks any thread may release, counting semaphores
 * whose permits expire on the injected ticker, an ephemeral map with TTL, POSIX locks, and sessions. It uses no
 * threads of its own. Closing it is its session's death: its leases and POSIX locks are released.
 */
public final class LocalCoordinator implements Coordinator {
  /** The seed's {@code redis_semaphore_timeout}. */
  public static final Duration DEFAULT_SEMAPHORE_TIMEOUT = Duration.ofSeconds(1800);

  private final LocalCoordinatorSpace space;
  private final Duration semaphoreTimeout;
  private final String sessionId = UUID.randomUUID().toString();
  private final Set<LocalLease> held = ConcurrentHashMap.newKeySet();
  private final Set<MessageListener> subscriptions = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  /** A coordinator with a space of its own and the default semaphore timeout. */
  public LocalCoordinator(BackendContext context) {
    this(context, null, DEFAULT_SEMAPHORE_TIMEOUT);
  }

  /**
   * @param spaceName {@code null} for a space of its own, or the name of a JVM-wide space shared with every other
   *     coordinator of that name (several "hosts" in one JVM)
   */
  public LocalCoordinator(BackendContext context, String spaceName, Duration semaphoreTimeout) {
    if (semaphoreTimeout.isNegative() || semaphoreTimeout.isZero()) {
      throw new IllegalArgumentException("semaphore timeout must be positive, got " + semaphoreTimeout);
    }
    this.space = LocalCoordinatorSpace.join(spaceName, context.ticker());
    this.semaphoreTimeout = semaphoreTimeout;
    space.sessions.add(sessionId);
  }

  @Override
  public Lease readLock(String key, Duration wait) throws FsException {
    open();
    return track(space.locks.acquire(key, false, wait), () -> true);
  }

  @Override
  public Lease writeLock(String key, Duration wait) throws FsException {
    open();
    return track(space.locks.acquire(key, true, wait), () -> true);
  }

  @Override
  public Lease acquirePermit(String name, int permits, Duration wait) throws FsException {
    open();
    LocalCoordinatorSemaphores.Grant g = space.semaphores.acquire(name, permits, semaphoreTimeout, wait);
    return track(g.release(), () -> space.semaphores.isLive(g.permit()));
  }

  @Override
  public void putEphemeral(String key, String value, Duration ttl) throws FsException {
    open();
    if (ttl.isNegative() || ttl.isZero()) {
      throw new FsException(FsError.INVALID, "ephemeral " + key + " needs a positive TTL, got " + ttl);
    }
    space.putEphemeral(key, value, ttl.toNanos());
  }

  @Override
  public Optional<String> getEphemeral(String key) throws FsException {
    open();
    return space.getEphemeral(key);
  }

  @Override
  public void removeEphemeral(String key) throws FsException {
    open();
    space.removeEphemeral(key);
  }

  @Override
  public String sessionId() {
    return sessionId;
  }

  @Override
  public Set<String> liveSessions() throws FsException {
    open();
    return Collections.unmodifiableSet(space.sessions); // a live view (weakly consistent): unlink asks every time
  }

  @Override
  public void publish(byte[] message) throws FsException {
    open();
    space.publish(message);
  }

  @Override
  public Subscription subscribe(MessageListener listener) throws FsException {
    open();
    space.subscribe(listener);
    subscriptions.add(listener);
    return () -> {
      subscriptions.remove(listener);
      space.unsubscribe(listener);
    };
  }

  @Override
  public void reset() throws FsException {
    open();
    space.clearEphemeral();
    space.posix.dropDeadSessions();
  }

  @Override
  public void setPosixLock(String key, long owner, LockRange range, Duration wait) throws FsException {
    open();
    space.posix.set(key, sessionId, owner, range, wait);
  }

  @Override
  public Optional<LockRange> findPosixConflict(String key, long owner, LockRange range) throws FsException {
    open();
    return space.posix.conflict(key, sessionId, owner, range);
  }

  @Override
  public void releasePosixLocks(String key, long owner) throws FsException {
    open();
    space.posix.releaseOwner(key, sessionId, owner);
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    space.sessions.remove(sessionId);
    for (MessageListener l : subscriptions) {
      space.unsubscribe(l);
    }
    subscriptions.clear();
    for (LocalLease l : held) {
      l.close();
    }
    space.posix.dropDeadSessions();
    space.leave();
  }

  private void open() throws FsException {
    if (closed.get()) {
      throw new FsException(FsError.BAD_HANDLE, "the local coordinator is closed");
    }
  }

  private Lease track(Runnable release, BooleanSupplier live) {
    LocalLease l = new LocalLease(release, live);
    held.add(l);
    if (closed.get()) {
      l.close();
    }
    return l;
  }

  private final class LocalLease implements Lease {
    private final Runnable release;
    private final BooleanSupplier live;
    private final AtomicBoolean released = new AtomicBoolean();

    LocalLease(Runnable release, BooleanSupplier live) {
      this.release = release;
      this.live = live;
    }

    @Override
    public boolean isValid() {
      return !released.get() && live.getAsBoolean();
    }

    @Override
    public void close() {
      if (released.compareAndSet(false, true)) {
        held.remove(this);
        release.run();
      }
    }
  }

  @Override
  public String toString() {
    return "LocalCoordinator[session " + sessionId + "]";
  }
}
