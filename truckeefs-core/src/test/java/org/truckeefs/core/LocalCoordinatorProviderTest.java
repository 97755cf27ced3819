package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.Ticker;

class LocalCoordinatorProviderTest {
  private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  private final BackendContext ctx =
      new BackendContext("fs", Path.of("unused"), Clock.systemUTC(), Ticker.system(), scheduler);

  @AfterEach
  void stop() {
    scheduler.shutdownNow();
  }

  @Test
  void isFoundByServiceLoader_underSchemeLocal() {
    assertThat(ServiceLoader.load(CoordinatorProvider.class).stream().map(p -> p.get().scheme()))
        .contains("local");
  }

  @Test
  void withoutASpaceName_eachCoordinatorIsPrivate() throws Exception {
    LocalCoordinatorProvider p = new LocalCoordinatorProvider();
    try (Coordinator a = p.create(URI.create("local:/"), BackendConfig.empty(), ctx);
        Coordinator b = p.create(URI.create("local:/"), BackendConfig.empty(), ctx);
        Lease la = a.writeLock("k", Duration.ZERO);
        Lease lb = b.writeLock("k", Duration.ZERO)) {
      assertThat(la.isValid() && lb.isValid()).isTrue();
      assertThat(a.liveSessions()).containsExactly(a.sessionId());
    }
  }

  @Test
  void badSemaphoreTimeout_isRejectedWithTheKeyName() {
    assertThatThrownBy(() -> new LocalCoordinatorProvider()
            .create(URI.create("local:/"), BackendConfig.of(Map.of("redis_semaphore_timeout", "soon")), ctx))
        .isInstanceOf(FsException.class).hasMessageContaining("redis_semaphore_timeout");
  }

  @Test
  void closedCoordinator_releasesItsLeases_andRefusesWork() throws Exception {
    LocalCoordinatorProvider p = new LocalCoordinatorProvider();
    Coordinator a = p.create(URI.create("local://shared-close-test"), BackendConfig.empty(), ctx);
    try (Coordinator b = p.create(URI.create("local://shared-close-test"), BackendConfig.empty(), ctx)) {
      Lease held = a.writeLock("k", Duration.ZERO);
      a.close();
      assertThat(held.isValid()).isFalse();
      try (Lease l = b.writeLock("k", Duration.ZERO)) {
        assertThat(l.isValid()).isTrue();
      }
      assertThatThrownBy(() -> a.readLock("k", Duration.ZERO)).isInstanceOf(FsException.class);
    }
  }
}
