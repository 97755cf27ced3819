package org.truckeefs.redis;

import java.net.URI;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;

/**
 * {@code redis://host:port/db} — coordination across hosts on Redis. Settings: {@code redis_host} (also
 * {@code host:port}), {@code redis_port} (6379), {@code redis_db} (0), {@code redis_pass},
 * {@code redis_semaphore_timeout} (1800 s), {@code redis_session_ttl} (30 s), {@code redis_timeout} (5 s),
 * {@code reset_redis} (true: clear this filesystem's ephemeral keys at start; never the whole server).
 */
public final class RedisCoordinatorProvider implements CoordinatorProvider {
  @Override
  public String scheme() {
    return "redis";
  }

  @Override
  public Coordinator create(URI uri, BackendConfig config, BackendContext context) throws FsException {
    return new RedisCoordinator(RedisSettings.from(uri, config), context);
  }

  @Override
  public void check(URI uri, BackendConfig config) throws FsException {
    RedisProbe.check(RedisSettings.from(uri, config));
  }
}
