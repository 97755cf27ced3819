package org.truckeefs.core;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.testkit.AbstractCoordinatorContractTest;
import org.truckeefs.testkit.FakeTicker;

/** The coordinator contract on {@code local://<namespace>}: "hosts" are coordinators sharing one in-JVM space. */
class LocalCoordinatorContractTest extends AbstractCoordinatorContractTest {
  private final FakeTicker ticker = new FakeTicker();
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stopScheduler() {
    scheduler.shutdownNow();
  }

  @Override
  protected Coordinator newCoordinator(String namespace, Map<String, String> settings) throws Exception {
    BackendContext ctx = new BackendContext(namespace, Path.of("unused"), Clock.systemUTC(), ticker, scheduler);
    return new LocalCoordinatorProvider().create(URI.create("local://" + namespace), BackendConfig.of(settings), ctx);
  }

  @Override
  protected void advance(Duration d) {
    ticker.advance(d);
  }
}
