package org.truckeefs.spi;

import java.time.Instant;
import java.util.Objects;
import org.truckeefs.api.InodeType;

/**
 * What {@link MetadataStore#create} makes.
 *
 * @param type the new inode's type
 * @param mode permission bits (07777)
 * @param uid owner
 * @param gid group
 * @param rdev device number for device nodes, else 0
 * @param time creation time: the new inode's atime/mtime/ctime/crtime and the parent's new mtime/ctime
 * @param symlinkTarget the target, for {@link InodeType#SYMLINK} only
 */
public record NewInode(InodeType type, int mode, int uid, int gid, long rdev, Instant time, String symlinkTarget) {
  public NewInode {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(time, "time");
    if ((type == InodeType.SYMLINK) != (symlinkTarget != null)) {
      throw new IllegalArgumentException("a symlink target is given exactly for symlinks");
    }
  }
}
