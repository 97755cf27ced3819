package org.truckeefs.core;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.spi.MessageListener;
import org.truckeefs.spi.Ticker;

/**
 * The coordination state of one filesystem inside this JVM: what a Redis namespace is for the {@code redis}
 * coordinator. A private space belongs to one coordinator; a named space ({@code local://name}) is shared by every
 * coordinator of this JVM that names it, so two RiverFS instances in one JVM behave like two hosts. Named spaces
 * live in a static table because they are the in-JVM "server"; each disappears when its last coordinator closes.
 */
final class LocalCoordinatorSpace {
  private static final Logger log = LoggerFactory.getLogger(LocalCoordinatorSpace.class);
  private static final Map<String, LocalCoordinatorSpace> NAMED = new ConcurrentHashMap<>();
  /** Puts between two sweeps of expired ephemeral entries; reads drop expired entries as they meet them. */
  private static final int SWEEP_EVERY = 1024;

  private record Ephemeral(String value, long expiresAt) {}

  private final String name;
  private final Ticker ticker;
  private int members;
  final Set<String> sessions = ConcurrentHashMap.newKeySet();
  final LocalLockTable locks = new LocalLockTable();
  final LocalCoordinatorSemaphores semaphores;
  final PosixLockTable posix = new PosixLockTable(sessions::contains);
  private final ConcurrentHashMap<String, Ephemeral> ephemeral = new ConcurrentHashMap<>();
  private final AtomicInteger putsSinceSweep = new AtomicInteger();
  private final CopyOnWriteArrayList<MessageListener> listeners = new CopyOnWriteArrayList<>();

  private LocalCoordinatorSpace(String name, Ticker ticker) {
    this.name = name;
    this.ticker = ticker;
    this.semaphores = new LocalCoordinatorSemaphores(ticker);
  }

  /** A space of its own ({@code name == null}), or the JVM-wide space called {@code name}. */
  static LocalCoordinatorSpace join(String name, Ticker ticker) {
    if (name == null) {
      LocalCoordinatorSpace s = new LocalCoordinatorSpace(null, ticker);
      s.members = 1;
      return s;
    }
    return NAMED.compute(name, (k, cur) -> {
      LocalCoordinatorSpace s = cur == null ? new LocalCoordinatorSpace(k, ticker) : cur;
      s.members++;
      return s;
    });
  }

  void leave() {
    if (name != null) {
      NAMED.computeIfPresent(name, (k, cur) -> cur != this || --cur.members > 0 ? cur : null);
    }
  }

  Ticker ticker() {
    return ticker;
  }

  void putEphemeral(String key, String value, long ttlNanos) {
    ephemeral.put(key, new Ephemeral(value, ticker.read() + ttlNanos));
    if (putsSinceSweep.incrementAndGet() >= SWEEP_EVERY) {
      putsSinceSweep.set(0);
      long now = ticker.read();
      ephemeral.values().removeIf(e -> now - e.expiresAt() >= 0);
    }
  }

  Optional<String> getEphemeral(String key) {
    Ephemeral e = ephemeral.get(key);
    if (e == null) {
      return Optional.empty();
    }
    if (ticker.read() - e.expiresAt() >= 0) {
      ephemeral.remove(key, e);
      return Optional.empty();
    }
    return Optional.of(e.value());
  }

  void removeEphemeral(String key) {
    ephemeral.remove(key);
  }

  void clearEphemeral() {
    ephemeral.clear();
  }

  /** Delivers {@code message} to every subscriber of this space, in the publisher's thread: nothing is lost. */
  void publish(byte[] message) {
    for (MessageListener l : listeners) {
      try {
        l.onMessage(message.clone());
      } catch (RuntimeException e) {
        log.warn("a change listener failed: {}", e.toString());
      }
    }
  }

  void subscribe(MessageListener l) {
    listeners.add(l);
  }

  void unsubscribe(MessageListener l) {
    listeners.remove(l);
  }
}
