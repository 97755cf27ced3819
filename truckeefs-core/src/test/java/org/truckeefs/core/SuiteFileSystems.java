package org.truckeefs.core;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.stream.Stream;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/**
 * The RiverFS the testkit suites run on: {@code memory:} metadata, {@code local:} blobs and cache under the test's
 * directory, {@code local:} coordination. Chunks are small so modest files cross chunk boundaries.
 */
final class SuiteFileSystems {
  static final int CHUNK = 64 * 1024;

  private SuiteFileSystems() {}

  static RiverFsConfig.Builder config(Path dir, Clock clock) throws FsException {
    return RiverFsConfig.builder()
        .dataDir(dir.resolve("data"))
        .cacheDir(dir.resolve("cache"))
        .metadataUri("memory:")
        .blobUri("local:" + dir.resolve("blobs").toAbsolutePath())
        .coordinatorUri("local:")
        .chunkSize(CHUNK)
        .clock(clock);
  }

  static RiverFS open(Path dir, Clock clock) throws FsException {
    return RiverFS.open(config(dir, clock).build());
  }

  /**
   * Opens RiverFS with {@code memory:} resolved to {@code shared}, which outlives the RiverFS (as a database would),
   * so a second RiverFS on the same directory sees the first one's metadata.
   */
  static RiverFS open(Path dir, Clock clock, MetadataStore shared, Duration blobGcGrace) throws FsException {
    MetadataStore unclosable = (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
        new Class<?>[] {MetadataStore.class}, (proxy, method, args) -> {
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            return null;
          }
          try {
            return method.invoke(shared, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    Backends backends = Backends.discover().register(new MetadataStoreProvider() {
      @Override
      public String scheme() {
        return "memory";
      }

      @Override
      public MetadataStore create(URI uri, BackendConfig config, BackendContext context) {
        return unclosable;
      }
    });
    return RiverFS.open(config(dir, clock).backends(backends).blobGcGrace(blobGcGrace).build());
  }

  /** Blobs stored in the local blob directory (content-addressed files; the temp directory excluded). */
  static long countBlobs(Path dir) throws IOException {
    Path blobs = dir.resolve("blobs");
    if (!Files.isDirectory(blobs)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(blobs)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}"))
          .count();
    }
  }
}
