package org.truckeefs.tahoe;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.truckeefs.api.FsException;
import org.truckeefs.core.Backends;
import org.truckeefs.core.InMemoryMetadataStoreProvider;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.CoordinatorProvider;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * RiverFS on the Tahoe store and the gateway emulator, with an in-memory metadata store that outlives each RiverFS
 * (so tests can restart the filesystem and look at the metadata directly).
 */
final class TahoeRiverFs {
  final TahoeGatewayEmulator gw;
  final String rootcap;
  final Path dir;
  final MetadataStore meta;
  final Map<String, String> settings = new HashMap<>();
  /** When set (with {@code coordinator_uri = testcoord:}), the coordinator every RiverFS opened here shares. */
  Coordinator coordinator;

  TahoeRiverFs(TahoeGatewayEmulator gw, Path dir, String... more) throws FsException {
    this.gw = gw;
    this.dir = dir;
    this.rootcap = gw.createDirectory();
    BackendContext ctx = TahoeStores.context(dir, TahoeStores.scheduler());
    this.meta = new InMemoryMetadataStoreProvider().create(URI.create("memory:/"), BackendConfig.empty(), ctx);
    settings.putAll(TahoeStores.settings(gw.url(), rootcap));
    settings.put("data_dir", dir.resolve("data").toString());
    settings.put("cache_dir", dir.resolve("cache").toString());
    settings.put("chunk_size", "256k");
    settings.put("metadata_uri", "testmeta:");
    settings.put("blob_gc_grace", "0");
    for (int i = 0; i + 1 < more.length; i += 2) {
      settings.put(more[i], more[i + 1]);
    }
  }

  RiverFsConfig.Builder config() throws FsException {
    MetadataStore shared = unclosable(meta, MetadataStore.class);
    Backends backends = Backends.discover().register(new MetadataStoreProvider() {
      @Override
      public String scheme() {
        return "testmeta";
      }

      @Override
      public MetadataStore create(URI uri, BackendConfig c, BackendContext ctx) {
        return shared;
      }
    }).register(new CoordinatorProvider() {
      @Override
      public String scheme() {
        return "testcoord";
      }

      @Override
      public Coordinator create(URI uri, BackendConfig c, BackendContext ctx) {
        return unclosable(coordinator, Coordinator.class);
      }
    });
    return RiverFsConfig.fromSettings(settings, backends).toBuilder().uploadRetryDelay(Duration.ofMillis(50));
  }

  RiverFS open() throws FsException {
    return RiverFS.open(config().build());
  }

  /**
   * Opens over the same metadata with a fresh, empty cache: every read comes from the grid. It is another host, with
   * its own data directory (one owner per data directory), so it may run while {@link #open} does.
   */
  RiverFS openWithEmptyCache(String name) throws FsException {
    return RiverFS.open(config().cacheDir(dir.resolve("cache-" + name)).dataDir(dir.resolve("data-" + name))
        .build());
  }

  /** Polls until the condition holds (background uploads, daemons); fails after {@code limit}. */
  static void await(Duration limit, String what, BooleanSupplier condition) {
    Awaitility.await(what).atMost(limit).pollInterval(Duration.ofMillis(20)).until(condition::getAsBoolean);
  }

  private static <T> T unclosable(T m, Class<T> type) {
    return type.cast(Proxy.newProxyInstance(type.getClassLoader(),
        new Class<?>[] {type}, (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            return null;
          }
          try {
            return method.invoke(m, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        }));
  }
}
