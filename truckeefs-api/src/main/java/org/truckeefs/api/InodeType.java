package org.truckeefs.api;

/** What an inode is. The code is the {@code S_IFMT} bits of {@code st_mode}. */
public enum InodeType {
  FILE(0100000),
  DIRECTORY(0040000),
  SYMLINK(0120000),
  FIFO(0010000),
  SOCKET(0140000),
  CHAR_DEVICE(0020000),
  BLOCK_DEVICE(0060000);

  /** Mask of the type bits in {@code st_mode}. */
  public static final int S_IFMT = 0170000;

  private final int modeBits;

  InodeType(int modeBits) {
    this.modeBits = modeBits;
  }

  /** The {@code S_IFxxx} bits. */
  public int modeBits() {
    return modeBits;
  }

  /** The type encoded in the {@code S_IFMT} bits of {@code mode}. */
  public static InodeType fromMode(int mode) throws FsException {
    int fmt = mode & S_IFMT;
    for (InodeType t : values()) {
      if (t.modeBits == fmt) {
        return t;
      }
    }
    throw new FsException(FsError.INVALID, "unknown file type in mode 0" + Integer.toOctalString(mode));
  }
}
