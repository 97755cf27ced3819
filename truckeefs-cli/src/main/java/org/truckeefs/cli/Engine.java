package org.truckeefs.cli;

import java.io.IOException;
import java.nio.file.Files;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** The composition root: settings to a running filesystem (RiverFS on the backends the settings name). */
final class Engine {
  private Engine() {}

  static RiverFsConfig config(Settings s) {
    try {
      Files.createDirectories(s.dataDir());
    } catch (IOException e) {
      throw UserError.failed("cannot create the data directory " + s.dataDir() + ": " + e.getMessage());
    }
    try {
      return RiverFsConfig.fromSettings(s.asMap());
    } catch (org.truckeefs.api.FsException e) {
      throw UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
  }

  static RiverFS open(Settings s) throws org.truckeefs.api.FsException {
    return RiverFS.open(config(s));
  }
}
