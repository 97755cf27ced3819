package org.truckeefs.cli;

import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;

/** The composition root: settings to a running filesystem and to the backends the tools work on. */
final class Engine {
  private Engine() {}

  static FileSystem open(Settings s) throws FsException {
    throw UserError.failed("truckeefs-core is not available yet");
  }
}
