package org.truckeefs.spi;

import java.net.URI;
import org.truckeefs.api.FsException;

/** Creates {@link BlobStore}s for one URI scheme; found with {@link java.util.ServiceLoader}. */
public interface BlobStoreProvider {
  /** The URI scheme this provider serves, e.g. {@code local}, {@code tahoe}. */
  String scheme();

  BlobStore create(URI uri, BackendConfig config, BackendContext context) throws FsException;
}
