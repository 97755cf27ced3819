package org.truckeefs.api;

/** How {@code setxattr(2)} treats an existing attribute. */
public enum XattrMode {
  /** Create or replace. */
  EITHER,
  /** {@code XATTR_CREATE}: fail with EEXIST if it exists. */
  CREATE,
  /** {@code XATTR_REPLACE}: fail with ENODATA if it does not exist. */
  REPLACE;

  public static XattrMode fromLinux(int flags) throws FsException {
    return switch (flags) {
      case 0 -> EITHER;
      case 1 -> CREATE;
      case 2 -> REPLACE;
      default -> throw new FsException(FsError.INVALID, "unsupported xattr flags " + flags);
    };
  }
}
