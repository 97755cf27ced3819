package org.truckeefs.redis;

import org.redisson.client.RedisResponseTimeoutException;
import org.redisson.client.RedisTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Maps Redisson failures to {@link FsError}: a timeout is ETIMEDOUT, anything else (refused connection, server
 * error, client shut down) is EIO. Each failure is one log line naming the operation and the server, never a
 * password or a value.
 */
final class RedisErrors {
  private static final Logger LOG = LoggerFactory.getLogger(RedisCoordinator.class);

  private RedisErrors() {}

  static FsException map(String operation, String server, RuntimeException e) {
    boolean timeout = e instanceof RedisTimeoutException || e instanceof RedisResponseTimeoutException
        || e.getCause() instanceof java.util.concurrent.TimeoutException;
    FsError error = timeout ? FsError.TIMED_OUT : FsError.IO;
    String message = "Redis at " + server + " failed during " + operation + " (" + e.getClass().getSimpleName()
        + "); check that Redis is running and reachable";
    LOG.warn("{}: {}", error.symbol(), message);
    return new FsException(error, message);
  }
}
