package org.truckeefs.core;

import org.truckeefs.api.FsException;

/** Carries an {@link FsException} out of a function that may not throw it (a map's compute, a cache loader). */
final class UncheckedFs extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UncheckedFs(FsException cause) {
    super(cause);
  }

  FsException fs() {
    return (FsException) getCause();
  }
}
