package org.truckeefs.spi;

import java.net.URI;
import org.truckeefs.api.FsException;

/** Creates {@link MetadataStore}s for one URI scheme; found with {@link java.util.ServiceLoader}. */
public interface MetadataStoreProvider {
  /** The URI scheme this provider serves, e.g. {@code memory}, {@code sqlite}, {@code mariadb}. */
  String scheme();

  MetadataStore create(URI uri, BackendConfig config, BackendContext context) throws FsException;
}
