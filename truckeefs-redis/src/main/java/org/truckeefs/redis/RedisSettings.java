package org.truckeefs.redis;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/**
 * The validated settings of the Redis coordinator. The URI ({@code redis://host:port/db}) wins over the seed keys
 * {@code redis_host} (also {@code host:port}), {@code redis_port} and {@code redis_db}. {@link #toString()} never
 * shows the password.
 *
 * @param semaphoreTimeout {@code redis_semaphore_timeout}, the seed's "seconds until stale process locks expire": a
 *     permit held longer than this is stale and comes back even though its host is alive (default 1800 s). It is
 *     not the crash expiry: that is {@code redis_session_ttl}
 * @param sessionTtl {@code redis_session_ttl}: a host whose heartbeat stops is dead after this long, and its locks
 *     with it (default 30 s; heartbeats every third of it)
 * @param timeout {@code redis_timeout}: how long one Redis command may take, retries included, before the
 *     operation fails with EIO/ETIMEDOUT (default 5 s)
 * @param reset {@code reset_redis}: clear this filesystem's stale ephemeral state at start (default true)
 * @param gracePeriod {@code redis_grace_period}: after Redis lost its state (a restart without persistence), how
 *     long no new lock is granted while live hosts re-assert theirs (default two heartbeats: 2/3 of the session TTL,
 *     20 s)
 */
record RedisSettings(
    String host, int port, int database, Optional<String> password,
    Duration semaphoreTimeout, Duration sessionTtl, Duration timeout, boolean reset, Duration gracePeriod) {

  static final Duration DEFAULT_SEMAPHORE_TIMEOUT = Duration.ofSeconds(1800);
  static final Duration DEFAULT_SESSION_TTL = Duration.ofSeconds(30);
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  static RedisSettings from(URI uri, BackendConfig config) throws FsException {
    String host = config.getString("redis_host", "127.0.0.1");
    int port = config.getInt("redis_port", 6379);
    int hostColon = host.lastIndexOf(':');
    if (hostColon > 0 && !host.contains("]")) {
      port = parsePort(host.substring(hostColon + 1));
      host = host.substring(0, hostColon);
    }
    int db = config.getInt("redis_db", 0);
    if (uri != null && uri.getHost() != null) {
      host = uri.getHost();
    }
    if (uri != null && uri.getPort() > 0) {
      port = uri.getPort();
    }
    if (uri != null && uri.getPath() != null && uri.getPath().length() > 1) {
      db = parseDb(uri.getPath().substring(1));
    }
    Optional<String> password = config.get("redis_pass");
    if (password.isEmpty() && uri != null && uri.getUserInfo() != null && !uri.getUserInfo().isEmpty()) {
      String ui = uri.getUserInfo();
      password = Optional.of(ui.substring(ui.indexOf(':') + 1));
    }
    Duration semaphoreTimeout = config.getDuration("redis_semaphore_timeout", DEFAULT_SEMAPHORE_TIMEOUT);
    Duration sessionTtl = config.getDuration("redis_session_ttl", DEFAULT_SESSION_TTL);
    Duration timeout = config.getDuration("redis_timeout", DEFAULT_TIMEOUT);
    requirePositive("redis_semaphore_timeout", semaphoreTimeout);
    requirePositive("redis_timeout", timeout);
    if (sessionTtl.toMillis() < 300) {
      throw new FsException(FsError.INVALID, "setting redis_session_ttl must be at least 300 ms, got " + sessionTtl);
    }
    if (port < 1 || port > 65535) {
      throw new FsException(FsError.INVALID, "setting redis_port = " + port + " is not a TCP port");
    }
    if (db < 0) {
      throw new FsException(FsError.INVALID, "setting redis_db = " + db + " must be 0 or more");
    }
    // Every live host notices the loss at its next heartbeat (a third of the TTL): the grace must outlast that.
    Duration heartbeat = sessionTtl.dividedBy(3);
    Duration grace = config.getDuration("redis_grace_period", heartbeat.multipliedBy(2));
    if (grace.compareTo(heartbeat) < 0) {
      throw new FsException(FsError.INVALID, "setting redis_grace_period = " + grace + " must be at least one "
          + "heartbeat (redis_session_ttl / 3 = " + heartbeat + "), or live hosts cannot re-assert their locks in it");
    }
    return new RedisSettings(host, port, db, password, semaphoreTimeout, sessionTtl, timeout,
        config.getBoolean("reset_redis", true), grace);
  }

  String address() {
    return "redis://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static int parsePort(String s) throws FsException {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new FsException(FsError.INVALID, "setting redis_host has a bad port '" + s + "'");
    }
  }

  private static int parseDb(String s) throws FsException {
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new FsException(FsError.INVALID, "redis URI database '" + s + "' is not a number (redis://host:port/db)");
    }
  }

  private static void requirePositive(String key, Duration d) throws FsException {
    if (d.isZero() || d.isNegative()) {
      throw new FsException(FsError.INVALID, "setting " + key + " must be positive, got " + d);
    }
  }

  @Override
  public String toString() {
    return "RedisSettings[" + host + ":" + port + "/" + database + (password.isPresent() ? ", password ***" : "")
        + ", semaphoreTimeout=" + semaphoreTimeout + ", sessionTtl=" + sessionTtl + ", timeout=" + timeout
        + ", reset=" + reset + ", gracePeriod=" + gracePeriod + "]";
  }
}
