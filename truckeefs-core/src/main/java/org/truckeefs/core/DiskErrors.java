package org.truckeefs.core;

import java.io.IOException;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The one place where a local disk's {@link IOException} becomes an errno. Java reports ENOSPC and EDQUOT only as
 * an {@code IOException} whose message is the C library's text, so a full disk would otherwise surface as EIO, which
 * applications treat as corruption rather than as "make room and retry".
 */
final class DiskErrors {
  private static final String NO_SPACE = "No space left on device";
  private static final String QUOTA = "Disk quota exceeded";

  private DiskErrors() {}

  /** {@code e} as an FsException: ENOSPC for a full disk or quota, EIO otherwise; an FsException passes as is. */
  static FsException map(String what, IOException e) {
    if (e instanceof FsException fe) {
      return fe;
    }
    if (isNoSpace(e)) {
      return new FsException(FsError.NO_SPACE, "cannot " + what + ": the disk is full (" + e.getMessage() + ")", e);
    }
    return new FsException(FsError.IO, "cannot " + what + ": " + e.getMessage(), e);
  }

  /** Whether {@code t} (or a cause of it) says the disk or the user's quota is full. */
  static boolean isNoSpace(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof FsException fe && fe.error() == FsError.NO_SPACE) {
        return true;
      }
      String m = c.getMessage();
      if (m != null && (m.contains(NO_SPACE) || m.contains(QUOTA))) {
        return true;
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return false;
  }
}
