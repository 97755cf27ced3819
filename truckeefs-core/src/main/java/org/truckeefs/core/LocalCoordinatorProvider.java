package org.truckeefs.core;

import java.net.URI;
import java.time.Duration;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;

/**
 * {@code local:} — in-JVM coordination for one host. {@code local://name} joins the JVM-wide space {@code name}
 * instead of getting a private one, so several filesystem instances in one JVM coordinate like several hosts.
 * Setting: {@code redis_semaphore_timeout} (seconds, default 1800) — the name is the seed's, kept for both coordinators.
 */
public final class LocalCoordinatorProvider implements CoordinatorProvider {
  @Override
  public String scheme() {
    return "local";
  }

  @Override
  public Coordinator create(URI uri, BackendConfig config, BackendContext context) throws FsException {
    Duration timeout = config.getDuration("redis_semaphore_timeout", LocalCoordinator.DEFAULT_SEMAPHORE_TIMEOUT);
    if (timeout.isZero()) {
      throw new FsException(FsError.INVALID, "setting redis_semaphore_timeout must be positive");
    }
    String space = uri.getAuthority();
    return new LocalCoordinator(context, space == null || space.isBlank() ? null : space, timeout);
  }
}
