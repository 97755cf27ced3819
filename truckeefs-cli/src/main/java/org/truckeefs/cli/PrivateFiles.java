package org.truckeefs.cli;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files the CLI writes next to the data (pid files, the background mount's output, logs) name mount points and may
 * quote errors: created 0600 in directories created 0700, whatever the umask. A file or directory that already
 * exists keeps its mode: it is not ours to change.
 */
final class PrivateFiles {
  private static final FileAttribute<Set<PosixFilePermission>> DIR =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private PrivateFiles() {}

  /** Creates {@code file} (and missing parents) privately unless it exists; returns it. */
  static Path create(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      Files.createDirectories(parent, DIR);
    }
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
      Files.setPosixFilePermissions(file, FILE); // the umask may have narrowed less than asked; never wider
    } catch (FileAlreadyExistsException e) {
      // an existing file keeps its mode
    }
    return file;
  }
}
