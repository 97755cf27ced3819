package org.truckeefs.cli;

import java.io.IOException;
import java.nio.file.Files;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/** The composition root: settings to a running filesystem (RiverFS on the backends the settings name). */
final class Engine {
  private Engine() {}

  /** The settings validated; nothing touched on disk. */
  static RiverFsConfig validated(Settings s) {
    try {
      return RiverFsConfig.fromSettings(s.asMap());
    } catch (org.truckeefs.api.FsException e) {
      throw UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
  }

  /** For the offline tools: validates first, then creates the data directory (0700), so bad input leaves nothing. */
  static RiverFsConfig config(Settings s) {
    RiverFsConfig config = validated(s);
    if (!Files.isDirectory(s.dataDir())) {
      try {
        Files.createDirectories(s.dataDir(), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
      } catch (IOException e) {
        throw UserError.failed("cannot create the data directory " + s.dataDir() + ": " + e.getMessage());
      }
    }
    return config;
  }

  /**
   * RiverFS.open creates the data directory itself, after every backend was reached (and removes what it created
   * when a start fails), so an unreachable Redis or database leaves nothing on disk.
   */
  static RiverFS open(Settings s) throws org.truckeefs.api.FsException {
    return RiverFS.open(validated(s));
  }
}
