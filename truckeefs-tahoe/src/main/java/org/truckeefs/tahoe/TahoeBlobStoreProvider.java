package org.truckeefs.tahoe;

import java.net.URI;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.BlobStoreProvider;

/**
 * Scheme {@code tahoe}: a {@link TahoeBlobStore} on the gateway at {@code tahoe_url} (default
 * {@code http://127.0.0.1:3456}; a {@code tahoe://host:port} URI sets it too). Settings: {@code rootcap}
 * (required, a writable directory cap), {@code backend_storage_strategy} (FLAT or MIRROR), {@code max_connections}
 * (10), {@code net_timeout} (30 s), {@code auth_token}, {@code net_retries} (3), {@code net_retry_delay} (0.2 s).
 */
public final class TahoeBlobStoreProvider implements BlobStoreProvider {
  @Override
  public String scheme() {
    return "tahoe";
  }

  @Override
  public BlobStore create(URI uri, BackendConfig config, BackendContext context) throws FsException {
    TahoeConfig c = TahoeConfig.from(uri, config);
    return new TahoeBlobStore(c, context);
  }
}
