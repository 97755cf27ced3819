package org.truckeefs.fuse.ffm;

import static org.truckeefs.fuse.ffm.LittleEndian.putInt;
import static org.truckeefs.fuse.ffm.LittleEndian.putLong;

import java.time.Instant;
import org.truckeefs.api.InodeAttributes;

/**
 * Directory entries written into a reply buffer (a heap array, copied to native memory once per reply: see
 * {@link LittleEndian}) in the kernel's format ({@code fuse_kernel.h}), byte for
 * byte what libfuse's {@code fuse_add_direntry} and {@code fuse_add_direntry_plus} write, without their downcall
 * and their {@code struct stat} / {@code fuse_entry_param} in between: an {@code ls -l} of a large directory is a
 * few thousand entries, and each was ~30 struct field writes plus a downcall.
 *
 * <p>{@code struct fuse_direntplus} is a {@code fuse_entry_out} (node id, generation, entry and attribute validity,
 * then a 88-byte {@code fuse_attr}) followed by a {@code fuse_dirent} (ino, off, namelen, type, name), padded to
 * 8 bytes; every record starts at a multiple of 8.
 */
final class Dirents {
  /** offsetof(struct fuse_dirent, name) */
  static final int DIRENT_NAME = 24;
  /** offsetof(struct fuse_direntplus, dirent.name): fuse_entry_out is 128 bytes */
  static final int DIRENTPLUS_NAME = 152;
  private static final int ATTR = 40;
  private static final int DIRENT = 128;

  private final long entryValid;
  private final long attrValid;
  /** entry_valid_nsec and attr_valid_nsec, adjacent 32-bit fields, as one little-endian long */
  private final long validNsec;

  /** With the entry and attribute timeouts every positive entry carries (seconds, as libfuse takes them). */
  Dirents(double attrTimeout, double entryTimeout) {
    this.entryValid = seconds(entryTimeout);
    this.attrValid = seconds(attrTimeout);
    this.validNsec = (nanos(entryTimeout) & 0xffffffffL) | ((long) nanos(attrTimeout) << 32);
  }

  /** The padded size of a {@code fuse_direntplus} with a name of {@code nameLength} bytes. */
  static long plusSize(int nameLength) {
    return align(DIRENTPLUS_NAME + nameLength);
  }

  /** The padded size of a {@code fuse_dirent} with a name of {@code nameLength} bytes. */
  static long size(int nameLength) {
    return align(DIRENT_NAME + nameLength);
  }

  /**
   * Writes a {@code fuse_direntplus} at {@code pos} if it fits before {@code limit}. With {@code lookup} false the
   * node id is 0: the kernel then takes no reference and caches nothing ({@code .} and {@code ..}).
   *
   * @return the bytes written, or 0 when the entry does not fit
   */
  int putPlus(byte[] buf, int pos, int limit, byte[] name, InodeAttributes a, long cookie, boolean lookup) {
    int size = (int) plusSize(name.length);
    if ((long) pos + size > limit) {
      return 0;
    }
    long ino = a.id().value();
    int mode = a.stMode();
    putLong(buf, pos + size - 8, 0); // the padding after the name (and its last bytes, written next)
    putLong(buf, pos, lookup ? ino : 0);
    putLong(buf, pos + 8, 0); // generation
    putLong(buf, pos + 16, lookup ? entryValid : 0);
    putLong(buf, pos + 24, lookup ? attrValid : 0);
    putLong(buf, pos + 32, lookup ? validNsec : 0);
    int at = pos + ATTR;
    Instant atime = a.atime();
    Instant mtime = a.mtime();
    Instant ctime = a.ctime();
    putLong(buf, at, ino);
    putLong(buf, at + 8, a.size());
    putLong(buf, at + 16, a.blocks());
    putLong(buf, at + 24, atime.getEpochSecond());
    putLong(buf, at + 32, mtime.getEpochSecond());
    putLong(buf, at + 40, ctime.getEpochSecond());
    putLong(buf, at + 48, (atime.getNano() & 0xffffffffL) | ((long) mtime.getNano() << 32));
    putLong(buf, at + 56, (ctime.getNano() & 0xffffffffL) | ((long) mode << 32));
    putLong(buf, at + 64, (a.nlink() & 0xffffffffL) | ((long) a.uid() << 32));
    putLong(buf, at + 72, (a.gid() & 0xffffffffL) | (a.rdev() << 32));
    putLong(buf, at + 80, Native.IO_BLOCK); // blksize, and flags 0
    dirent(buf, pos + DIRENT, ino, cookie, name, mode);
    return size;
  }

  /**
   * Writes a {@code fuse_dirent} (no attributes) at {@code pos} if it fits before {@code limit}.
   *
   * @return the bytes written, or 0 when the entry does not fit
   */
  static int put(byte[] buf, int pos, int limit, byte[] name, long ino, int mode, long cookie) {
    int size = (int) size(name.length);
    if ((long) pos + size > limit) {
      return 0;
    }
    putLong(buf, pos + size - 8, 0);
    dirent(buf, pos, ino, cookie, name, mode);
    return size;
  }

  private static void dirent(byte[] buf, int at, long ino, long cookie, byte[] name, int mode) {
    putLong(buf, at, ino);
    putLong(buf, at + 8, cookie);
    putInt(buf, at + 16, name.length);
    putInt(buf, at + 20, (mode & 0170000) >>> 12);
    System.arraycopy(name, 0, buf, at + DIRENT_NAME, name.length);
  }

  private static long align(long n) {
    return (n + 7) & ~7L;
  }

  /** libfuse's calc_timeout_sec: whole seconds, clamped at 0. */
  private static long seconds(double t) {
    return t < 0 ? 0 : (long) t;
  }

  /** libfuse's calc_timeout_nsec: the fraction in nanoseconds. */
  private static int nanos(double t) {
    double f = t - seconds(t);
    if (f < 0) {
      return 0;
    }
    return f >= 0.999999999 ? 999_999_999 : (int) (f * 1e9);
  }
}
