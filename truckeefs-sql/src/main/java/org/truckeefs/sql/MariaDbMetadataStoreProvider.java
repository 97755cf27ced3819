package org.truckeefs.sql;

import java.net.URI;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/**
 * {@code mariadb://host:port/db}: metadata in MariaDB, shared by every host that mounts the filesystem. Settings:
 * {@code sql_user}, {@code sql_pass}, {@code sql_ssl}, {@code sql_pool_size}, {@code net_timeout} (connect
 * timeout); {@code sql_host}, {@code sql_port}, {@code sql_db} fill what the URI leaves out.
 */
public final class MariaDbMetadataStoreProvider implements MetadataStoreProvider {
  @Override
  public String scheme() {
    return "mariadb";
  }

  @Override
  public MetadataStore create(URI uri, BackendConfig config, BackendContext context) throws FsException {
    return SqlStores.openMariaDb(uri, config, context);
  }
}
