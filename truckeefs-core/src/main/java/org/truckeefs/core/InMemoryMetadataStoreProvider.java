package org.truckeefs.core;

import java.net.URI;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/** {@code memory:}: a metadata store that lives and dies with the JVM; for tests, benchmarks and scratch use. */
public final class InMemoryMetadataStoreProvider implements MetadataStoreProvider {
  public static final String SCHEME = "memory";

  public InMemoryMetadataStoreProvider() {}

  @Override
  public String scheme() {
    return SCHEME;
  }

  @Override
  public MetadataStore create(URI uri, BackendConfig config, BackendContext context) {
    return new InMemoryMetadataStore(context.clock());
  }
}
