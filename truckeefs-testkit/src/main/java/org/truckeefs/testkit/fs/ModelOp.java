package org.truckeefs.testkit.fs;

/**
 * One step of a model-based run, self-contained so any subsequence can be replayed: paths are absolute, handles
 * are slot numbers (an op on an empty slot is skipped by both sides), data is generated from {@code dataSeed}.
 */
record ModelOp(Kind kind, String path, String path2, int slot, long offset, int length, long dataSeed, int variant) {

  enum Kind { CREATE, OPEN, WRITE, READ, TRUNCATE_PATH, TRUNCATE_HANDLE, CLOSE, FSYNC, MKDIR, RMDIR, UNLINK, RENAME, LINK }

  /** Open flags of CREATE (by variant): plain, exclusive, truncating. */
  static final String[] CREATE_VARIANTS = {"O_CREAT|O_RDWR", "O_CREAT|O_EXCL|O_RDWR", "O_CREAT|O_TRUNC|O_RDWR"};
  /** Open flags of OPEN (by variant). */
  static final String[] OPEN_VARIANTS = {"O_RDWR", "O_RDONLY", "O_RDWR|O_TRUNC", "O_WRONLY"};

  static ModelOp onPath(Kind k, String path, int variant) {
    return new ModelOp(k, path, null, -1, 0, 0, 0, variant);
  }

  static ModelOp onTwoPaths(Kind k, String path, String path2, int variant) {
    return new ModelOp(k, path, path2, -1, 0, 0, 0, variant);
  }

  static ModelOp onSlot(Kind k, int slot, long offset, int length, long dataSeed) {
    return new ModelOp(k, null, null, slot, offset, length, dataSeed, 0);
  }

  @Override
  public String toString() {
    return switch (kind) {
      case CREATE -> "create(" + path + ", " + CREATE_VARIANTS[variant] + ") -> slot";
      case OPEN -> "open(" + path + ", " + OPEN_VARIANTS[variant] + ") -> slot";
      case WRITE -> "write(slot " + slot + ", offset " + offset + ", " + length + " bytes of seed " + dataSeed + ")";
      case READ -> "read(slot " + slot + ", offset " + offset + ", " + length + ")";
      case TRUNCATE_PATH -> "truncate(" + path + ", " + offset + ")";
      case TRUNCATE_HANDLE -> "ftruncate(slot " + slot + ", " + offset + ")";
      case CLOSE -> "close(slot " + slot + ")";
      case FSYNC -> "fsync(slot " + slot + ")";
      case MKDIR -> "mkdir(" + path + ")";
      case RMDIR -> "rmdir(" + path + ")";
      case UNLINK -> "unlink(" + path + ")";
      case RENAME -> "rename(" + path + ", " + path2 + (variant == 1 ? ", NOREPLACE)" : ")");
      case LINK -> "link(" + path + ", " + path2 + ")";
    };
  }
}
