package org.truckeefs.redis;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Ticker;
import org.truckeefs.testkit.AbstractCoordinatorContractTest;
import org.truckeefs.testkit.RequiredService;

/** The coordinator contract on the machine's Redis, one namespace per test, short session TTL for expiry tests. */
class RedisCoordinatorContractIT extends AbstractCoordinatorContractTest {
  static final Duration SESSION_TTL = Duration.ofMillis(900);
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final java.util.List<String> namespaces = new java.util.ArrayList<>();

  @BeforeEach
  void needRedis() {
    RequiredService.requireRedis();
  }

  @AfterEach
  void cleanUp() throws Exception {
    scheduler.shutdownNow();
    RedisTestKeys.deleteNamespaces(namespaces);
  }

  @Override
  protected Coordinator newCoordinator(String namespace, Map<String, String> settings) throws Exception {
    namespaces.add(namespace);
    Map<String, String> all = new HashMap<>(Map.of("redis_session_ttl", SESSION_TTL.toMillis() + "ms",
        "redis_timeout", "2s", "reset_redis", "false"));
    all.putAll(settings);
    BackendContext ctx = new BackendContext(namespace, Path.of("unused"), Clock.systemUTC(), Ticker.system(), scheduler);
    return new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:6379/0"), BackendConfig.of(all), ctx);
  }

  @Override
  protected void advance(Duration d) throws InterruptedException {
    // Redis expires keys on its own clock, which no fake ticker reaches: the contract's TTL tests wait it out. The
    // time passing is the point here, not a condition to poll for.
    Thread.sleep(d.toMillis());
  }

  @Override
  protected void kill(Coordinator c) {
    ((RedisCoordinator) c).kill();
  }

  @Override
  protected Duration deathTimeout() {
    return SESSION_TTL;
  }
}
