package org.truckeefs.api;

/**
 * Every error TruckeeFS reports, with its Linux errno. This enum is the single place where an error
 * becomes a number: backends map their native failures to an {@code FsError}, the FUSE adapter
 * returns {@code -errno()}.
 */
public enum FsError {
  NOT_PERMITTED(1, "EPERM"),
  NOT_FOUND(2, "ENOENT"),
  INTERRUPTED(4, "EINTR"),
  IO(5, "EIO"),
  ARG_LIST_TOO_LONG(7, "E2BIG"),
  BAD_HANDLE(9, "EBADF"),
  AGAIN(11, "EAGAIN"),
  ACCESS_DENIED(13, "EACCES"),
  BUSY(16, "EBUSY"),
  EXISTS(17, "EEXIST"),
  CROSS_DEVICE(18, "EXDEV"),
  NOT_DIRECTORY(20, "ENOTDIR"),
  IS_DIRECTORY(21, "EISDIR"),
  INVALID(22, "EINVAL"),
  FILE_TOO_BIG(27, "EFBIG"),
  NO_SPACE(28, "ENOSPC"),
  READ_ONLY(30, "EROFS"),
  TOO_MANY_LINKS(31, "EMLINK"),
  RANGE(34, "ERANGE"),
  DEADLOCK(35, "EDEADLK"),
  NAME_TOO_LONG(36, "ENAMETOOLONG"),
  UNSUPPORTED(38, "ENOSYS"),
  NOT_EMPTY(39, "ENOTEMPTY"),
  LOOP(40, "ELOOP"),
  NO_DATA(61, "ENODATA"),
  ILLEGAL_SEQUENCE(84, "EILSEQ"),
  NOT_SUPPORTED(95, "EOPNOTSUPP"),
  TIMED_OUT(110, "ETIMEDOUT"),
  STALE(116, "ESTALE");

  private final int errno;
  private final String symbol;

  FsError(int errno, String symbol) {
    this.errno = errno;
    this.symbol = symbol;
  }

  /** The Linux errno value (positive). */
  public int errno() {
    return errno;
  }

  /** The C name, e.g. {@code ENOENT}. */
  public String symbol() {
    return symbol;
  }
}
