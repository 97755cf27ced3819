package org.truckeefs.spi;

import java.net.URI;
import org.truckeefs.api.FsException;

/** Creates {@link Coordinator}s for one URI scheme; found with {@link java.util.ServiceLoader}. */
public interface CoordinatorProvider {
  /** The URI scheme this provider serves, e.g. {@code local}, {@code redis}. */
  String scheme();

  Coordinator create(URI uri, BackendConfig config, BackendContext context) throws FsException;

  /**
   * Validates the settings and reaches the service, changing nothing there. The filesystem calls it before it
   * creates anything on disk or in a database, so a bad setting or an unreachable server leaves no trace; it
   * creates the coordinator only later, once it knows its namespace. The default checks nothing.
   */
  default void check(URI uri, BackendConfig config) throws FsException {}
}
