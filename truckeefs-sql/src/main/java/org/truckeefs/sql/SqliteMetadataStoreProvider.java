package org.truckeefs.sql;

import java.net.URI;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.MetadataStoreProvider;

/**
 * {@code sqlite:/abs/path/metadata.db} (a relative path is taken under the data directory): metadata in one
 * embedded SQLite file in WAL mode, for a single host with no server to run.
 */
public final class SqliteMetadataStoreProvider implements MetadataStoreProvider {
  @Override
  public String scheme() {
    return "sqlite";
  }

  @Override
  public MetadataStore create(URI uri, BackendConfig config, BackendContext context) throws FsException {
    return SqlStores.openSqlite(uri, config, context);
  }
}
