package org.truckeefs.spi;

import java.net.URI;
import org.truckeefs.api.FsException;

/** Creates {@link Coordinator}s for one URI scheme; found with {@link java.util.ServiceLoader}. */
public interface CoordinatorProvider {
  /** The URI scheme this provider serves, e.g. {@code local}, {@code redis}. */
  String scheme();

  Coordinator create(URI uri, BackendConfig config, BackendContext context) throws FsException;
}
