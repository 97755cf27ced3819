package org.truckeefs.api;

import java.time.Instant;
import java.util.Objects;

/**
 * An immutable snapshot of an inode's attributes, as {@code stat(2)} shows them.
 *
 * @param id the inode
 * @param type what the inode is
 * @param mode permission bits only ({@code 07777}: suid, sgid, sticky and rwx); the type is {@link #type}
 * @param uid owner
 * @param gid group
 * @param size length in bytes (for a symlink, the length of its target)
 * @param nlink number of directory entries that name this inode (directories: 2 + subdirectories)
 * @param rdev device number, for character and block devices; 0 otherwise
 * @param atime last access
 * @param mtime last content change
 * @param ctime last attribute change
 * @param crtime creation
 * @param version increases on every committed change of content or attributes; the compare-and-set token of
 *     {@link org.truckeefs.spi.MetadataStore#commitContent}
 */
public record InodeAttributes(
    InodeId id,
    InodeType type,
    int mode,
    int uid,
    int gid,
    long size,
    long nlink,
    long rdev,
    Instant atime,
    Instant mtime,
    Instant ctime,
    Instant crtime,
    long version) {

  /** Permission bits, including suid, sgid and sticky. */
  public static final int PERMISSION_BITS = 07777;

  public InodeAttributes {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(atime, "atime");
    Objects.requireNonNull(mtime, "mtime");
    Objects.requireNonNull(ctime, "ctime");
    Objects.requireNonNull(crtime, "crtime");
    if ((mode & ~PERMISSION_BITS) != 0) {
      throw new IllegalArgumentException("mode holds permission bits only: 0" + Integer.toOctalString(mode));
    }
  }

  /** {@code st_mode}: the type bits and the permission bits. */
  public int stMode() {
    return type.modeBits() | mode;
  }

  public boolean isDirectory() {
    return type == InodeType.DIRECTORY;
  }

  public boolean isFile() {
    return type == InodeType.FILE;
  }

  public boolean isSymlink() {
    return type == InodeType.SYMLINK;
  }

  /** 512-byte blocks, as {@code st_blocks} counts them. */
  public long blocks() {
    return (size + 511) / 512;
  }

  public InodeAttributes withSize(long newSize) {
    return new InodeAttributes(id, type, mode, uid, gid, newSize, nlink, rdev, atime, mtime, ctime, crtime, version);
  }

  public InodeAttributes withTimes(Instant newAtime, Instant newMtime, Instant newCtime) {
    return new InodeAttributes(id, type, mode, uid, gid, size, nlink, rdev, newAtime, newMtime, newCtime, crtime, version);
  }
}
