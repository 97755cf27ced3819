package org.truckeefs.nio;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import org.truckeefs.api.FsException;

/** The one place where the filesystem's errno becomes the standard java.nio.file exception. */
final class Errors {
  private Errors() {}

  static IOException map(FsException e, String file) {
    return map(e, file, null);
  }

  static IOException map(FsException e, String file, String other) {
    String reason = e.getMessage();
    IOException out = switch (e.error()) {
      case NOT_FOUND -> new NoSuchFileException(file, other, reason);
      case EXISTS -> new FileAlreadyExistsException(file, other, reason);
      case NOT_EMPTY -> new DirectoryNotEmptyException(file);
      case ACCESS_DENIED, NOT_PERMITTED, READ_ONLY -> new AccessDeniedException(file, other, reason);
      case NOT_DIRECTORY -> other == null ? new NotDirectoryException(file) : new FileSystemException(file, other, reason);
      case LOOP -> new FileSystemException(file, other, "Too many levels of symbolic links");
      default -> new FileSystemException(file, other, reason + " (" + e.error().symbol() + ")");
    };
    out.initCause(e);
    return out;
  }

  static NotLinkException notLink(String file) {
    return new NotLinkException(file);
  }
}
