package org.truckeefs.api;

/** The flags of {@code renameat2(2)}. */
public enum RenameFlags {
  /** Replace the target if it exists (plain rename). */
  NONE(0),
  /** {@code RENAME_NOREPLACE}: fail with EEXIST if the target exists. */
  NOREPLACE(1),
  /** {@code RENAME_EXCHANGE}: atomically swap source and target; both must exist. */
  EXCHANGE(2);

  private final int linuxValue;

  RenameFlags(int linuxValue) {
    this.linuxValue = linuxValue;
  }

  public int linuxValue() {
    return linuxValue;
  }

  public static RenameFlags fromLinux(int flags) throws FsException {
    return switch (flags) {
      case 0 -> NONE;
      case 1 -> NOREPLACE;
      case 2 -> EXCHANGE;
      default -> throw new FsException(FsError.INVALID, "unsupported rename flags " + flags);
    };
  }
}
