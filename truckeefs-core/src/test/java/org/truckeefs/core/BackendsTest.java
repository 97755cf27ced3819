package org.truckeefs.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;
import org.truckeefs.spi.Ticker;

class BackendsTest {
  @TempDir Path tmp;

  @Test
  void discover_findsTheEmbeddedProviders() {
    Backends b = Backends.discover();
    assertThat(b.metadataSchemes()).contains("memory");
    assertThat(b.blobSchemes()).contains("local");
  }

  @Test
  void registered_winsOverDiscovered() throws Exception {
    MetadataStore mine = new InMemoryMetadataStore(Clock.systemUTC());
    Backends b = Backends.discover().register(new MetadataStoreProvider() {
      @Override
      public String scheme() {
        return "memory";
      }

      @Override
      public MetadataStore create(URI uri, BackendConfig c, BackendContext x) {
        return mine;
      }
    });
    var ctx = new BackendContext("t", tmp, Clock.systemUTC(), Ticker.system(),
        Executors.newSingleThreadScheduledExecutor());
    try {
      assertThat(b.metadataStore("memory").create(URI.create("memory:/"), BackendConfig.empty(), ctx)).isSameAs(mine);
    } finally {
      ctx.scheduler().shutdownNow();
    }
  }

  @Test
  void unknownScheme_failsListingTheSchemesFound() {
    assertThatThrownBy(() -> Backends.discover().blobStore("nosuch"))
        .isInstanceOf(FsException.class)
        .hasMessageContaining("nosuch")
        .hasMessageContaining("local");
  }

  @Test
  void instancesAreIndependent() {
    assertThat(Backends.empty().metadataSchemes()).isEmpty();
    assertThat(Backends.discover().metadataSchemes()).isNotEmpty();
  }
}
