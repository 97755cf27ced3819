package org.truckeefs.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Keeps this host's commands on each ephemeral key in order when some go out without waiting (the open mark put at
 * a create, its removal at the last close): such a command and the next one on the same key may travel on different
 * {@link RedisWire} connections, so the next one first waits until the earlier one's answer has been read. At most
 * one command per key is in flight; a second thread's command on the key waits its turn.
 */
final class RedisKeyOrder {
  private static final Logger LOG = LoggerFactory.getLogger(RedisKeyOrder.class);

  private final RedisWire wire;
  private final String server;
  private final Duration timeout;
  /**
   * The command in flight on each key, by full key, until its answer has been read: completes with the command once
   * sent, with null if it could not be sent.
   */
  private final ConcurrentHashMap<String, CompletableFuture<RedisWire.Sent>> inFlight = new ConcurrentHashMap<>();

  RedisKeyOrder(RedisWire wire, String server, Duration timeout) {
    this.wire = wire;
    this.server = server;
    this.timeout = timeout;
  }

  /**
   * Sends a command on {@code full} without waiting for its answer, once this host's earlier one on the key has been
   * applied. A command that could not be sent is logged, not thrown.
   *
   * @param key the key as the caller named it, for the log
   * @param what what the command does ("put", "remove"), for the log
   * @param send sends the command; completes with it, or with null when it could not be sent
   */
  void send(String key, String full, String what, Supplier<CompletableFuture<RedisWire.Sent>> send)
      throws FsException {
    CompletableFuture<RedisWire.Sent> mine = new CompletableFuture<>();
    do {
      await(full);
    } while (inFlight.putIfAbsent(full, mine) != null); // another thread's got in first: after it, then
    CompletableFuture<RedisWire.Sent> sending;
    try {
      sending = send.get();
    } catch (RuntimeException e) {
      inFlight.remove(full, mine);
      mine.complete(null);
      throw e;
    }
    sending.whenComplete((sent, error) -> {
      if (sent == null) {
        inFlight.remove(full, mine);
        LOG.warn("cannot {} ephemeral key {} at Redis at {}: not sent", what, key, server);
      } else {
        sent.answered.whenComplete((v, e) -> inFlight.remove(full, mine));
      }
      mine.complete(sent);
    });
  }

  /**
   * Waits until this host's command on {@code full} that went out without waiting has been applied, reading its
   * answer if nobody has yet.
   */
  void await(String full) throws FsException {
    CompletableFuture<RedisWire.Sent> pending = inFlight.get(full);
    if (pending == null) {
      return;
    }
    RedisWire.Sent sent;
    try {
      sent = pending.get(2 * timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for Redis on ephemeral key " + full);
    } catch (ExecutionException | TimeoutException e) {
      throw new FsException(FsError.IO, "Redis at " + server + " did not confirm a change of " + full);
    }
    if (sent != null) {
      wire.confirm("ephemeral key", sent);
    }
  }

  /** Waits (bounded) for the commands still on their way, so that a clean close leaves no open mark behind. */
  void drain() {
    int left = 0;
    for (String full : List.copyOf(inFlight.keySet())) {
      try {
        await(full);
      } catch (FsException e) {
        left++;
      }
    }
    if (left > 0) {
      LOG.warn("Redis at {} did not confirm {} change(s) of ephemeral keys at close; they expire with their TTL",
          server, left);
    }
  }
}
