package org.truckeefs.core;

import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.spi.DiskWriteback;

/**
 * Finds a {@link DiskWriteback} on the class path. The one there is ({@code truckeefs-fuse-ffm}) is compiled for
 * Java 22: on an older JVM its class does not load, and on a JVM without native access it is not available; either
 * way the filesystem runs without, as it does where none is on the class path.
 */
final class DiskWritebacks {
  private static final Logger log = LoggerFactory.getLogger(DiskWritebacks.class);

  private DiskWritebacks() {}

  /** The configured one, else the first available one found, else {@link DiskWriteback#NONE}. */
  static DiskWriteback of(RiverFsConfig config) {
    return config.diskWriteback().orElseGet(DiskWritebacks::find);
  }

  /** The first available one on the class path (looked for once: the class path does not change). */
  static DiskWriteback find() {
    return Found.INSTANCE;
  }

  private static final class Found {
    static final DiskWriteback INSTANCE = load();
  }

  private static DiskWriteback load() {
    try {
      for (DiskWriteback w : ServiceLoader.load(DiskWriteback.class, DiskWritebacks.class.getClassLoader())) {
        if (w.available()) {
          return w;
        }
      }
    } catch (ServiceConfigurationError | LinkageError e) {
      log.debug("no early disk write-back: {}", e.toString());
    }
    return DiskWriteback.NONE;
  }
}
