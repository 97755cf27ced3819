package org.truckeefs.api;

/** The {@code open(2)} flags that matter to a filesystem, with Linux values. */
public record OpenFlags(int value) {
  public static final int O_RDONLY = 0;
  public static final int O_WRONLY = 1;
  public static final int O_RDWR = 2;
  public static final int O_ACCMODE = 3;
  public static final int O_CREAT = 0100;
  public static final int O_EXCL = 0200;
  public static final int O_TRUNC = 01000;
  public static final int O_APPEND = 02000;
  public static final int O_NONBLOCK = 04000;
  public static final int O_DIRECTORY = 0200000;
  public static final int O_NOFOLLOW = 0400000;
  /**
   * Not an {@code open(2)} flag: a FUSE adapter with the kernel's write-back cache sets it on every open, because
   * the kernel then reads pages of files opened write-only to fill partly written pages. Such a handle may be read
   * although it was opened for writing only; the permission check of the open stays as the flags say.
   */
  public static final int READBACK = 1 << 30;

  public static final OpenFlags READ = new OpenFlags(O_RDONLY);
  public static final OpenFlags WRITE = new OpenFlags(O_WRONLY);
  public static final OpenFlags READ_WRITE = new OpenFlags(O_RDWR);

  public static OpenFlags of(int value) {
    return new OpenFlags(value);
  }

  public OpenFlags with(int flags) {
    return new OpenFlags(value | flags);
  }

  public int accessMode() {
    return value & O_ACCMODE;
  }

  public boolean canRead() {
    return accessMode() == O_RDONLY || accessMode() == O_RDWR;
  }

  public boolean canWrite() {
    return accessMode() == O_WRONLY || accessMode() == O_RDWR;
  }

  public boolean create() {
    return (value & O_CREAT) != 0;
  }

  public boolean exclusive() {
    return (value & O_EXCL) != 0;
  }

  public boolean truncate() {
    return (value & O_TRUNC) != 0;
  }

  /** See {@link #READBACK}. */
  public boolean readback() {
    return (value & READBACK) != 0;
  }

  public boolean append() {
    return (value & O_APPEND) != 0;
  }
}
