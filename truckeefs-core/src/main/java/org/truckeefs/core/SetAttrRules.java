package org.truckeefs.core;

import java.time.Instant;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.SetAttr;

/**
 * The POSIX rules of setattr (chmod, chown, truncate, utimens) as Linux applies them, in one pure function: who may
 * change what, and which setuid/setgid bits a change drops. {@link RiverFS#setattr} applies the resulting
 * {@link Plan}; nothing here touches a store.
 */
final class SetAttrRules {
  private SetAttrRules() {}

  /**
   * What to write. Null fields stay as they are.
   *
   * @param mode the new permission bits
   * @param uid the new owner
   * @param gid the new group
   * @param atime the new access time
   * @param mtime the new modification time
   */
  record Plan(Integer mode, Integer uid, Integer gid, Instant atime, Instant mtime) {}

  /**
   * Whether {@code c} is the kernel flushing the times its write-back cache kept for a write: an explicit mtime
   * equal to the kernel's ctime and nothing else (a utimens sets ctime to the current time, not to the mtime given;
   * one that gives exactly the current time changes nothing by being saved with the data).
   */
  static boolean isTimeFlush(SetAttr c, Instant mtime) {
    return c.ctime() != null && c.ctime().equals(mtime) && c.mtime() != null && !c.mtime().isNow()
        && c.mode() == null && c.uid() == null && c.gid() == null && c.size() == null && c.atime() == null;
  }

  /**
   * Checks {@code c} against the inode's current attributes {@code a} for {@code caller}; EPERM/EACCES/EISDIR/
   * EINVAL/EFBIG as Linux answers.
   *
   * @param handleFlags the flags of the open file the change came through (ftruncate, futimens), or null
   * @param maxSize the largest file length
   */
  static Plan decide(Caller caller, InodeAttributes a, SetAttr c, OpenFlags handleFlags, Instant now, long maxSize)
      throws FsException {
    InodeId inode = a.id();
    boolean owner = Access.isOwner(caller, a);
    Integer mode = null;
    if (c.mode() != null) {
      // A write by a non-owner makes the kernel ask, as that user, to drop setuid/setgid: allowed, as on ext4.
      boolean onlyDropsPrivileges = (c.mode() & InodeAttributes.PERMISSION_BITS) == Access.killPriv(a.mode())
          && c.mode() != a.mode() && c.uid() == null && c.gid() == null;
      if (!owner && !onlyDropsPrivileges) {
        throw new FsException(FsError.NOT_PERMITTED, "only the owner may change the mode of " + inode);
      }
      int m = c.mode() & InodeAttributes.PERMISSION_BITS;
      int group = c.gid() != null ? c.gid() : a.gid();
      if (!caller.isRoot() && !caller.inGroup(group)) {
        m &= ~Access.S_ISGID;
      }
      mode = m;
    }
    if (c.uid() != null || c.gid() != null) {
      boolean uidChange = c.uid() != null && c.uid() != a.uid();
      boolean gidChange = c.gid() != null && c.gid() != a.gid();
      if (!caller.isRoot()) {
        if (uidChange) {
          throw new FsException(FsError.NOT_PERMITTED, "only root may give " + inode + " away");
        }
        if (caller.uid() != a.uid()) {
          throw new FsException(FsError.NOT_PERMITTED, "only the owner may change the group of " + inode);
        }
        if (gidChange && !caller.inGroup(c.gid())) {
          throw new FsException(FsError.NOT_PERMITTED, "caller is not in group " + c.gid());
        }
      }
      if (!a.isDirectory() && (uidChange || gidChange || !caller.isRoot())) {
        mode = dropPrivileges(mode, a);
      }
    }
    if (c.size() != null) {
      if (a.isDirectory()) {
        throw new FsException(FsError.IS_DIRECTORY, inode + " is a directory");
      }
      if (!a.isFile()) {
        throw new FsException(FsError.INVALID, inode + " is not a regular file");
      }
      if (c.size() < 0) {
        throw new FsException(FsError.INVALID, "negative length " + c.size());
      }
      if (c.size() > maxSize) {
        throw new FsException(FsError.FILE_TOO_BIG, "length " + c.size() + " exceeds " + maxSize);
      }
      if (handleFlags != null) {
        if (!handleFlags.canWrite()) {
          throw new FsException(FsError.INVALID, "the handle is not open for writing");
        }
      } else {
        Access.check(caller, a, Access.W, "truncate " + inode);
      }
      if (!caller.isRoot()) {
        mode = dropPrivileges(mode, a);
      }
    }
    Instant atime = null;
    Instant mtime = null;
    if (c.atime() != null || c.mtime() != null) {
      boolean explicit = c.atime() != null && !c.atime().isNow() || c.mtime() != null && !c.mtime().isNow();
      if (explicit && !owner) {
        throw new FsException(FsError.NOT_PERMITTED, "only the owner may set explicit times on " + inode);
      }
      if (!explicit && !owner && !Access.permits(caller, a, Access.W)) {
        throw new FsException(FsError.ACCESS_DENIED, "permission denied: touch " + inode);
      }
      atime = c.atime() == null ? null : c.atime().resolve(now);
      mtime = c.mtime() == null ? null : c.mtime().resolve(now);
    }
    return new Plan(mode, c.uid(), c.gid(), atime, mtime);
  }

  /** The mode (the planned one, else the current) without setuid and group-executable setgid; null if unchanged. */
  private static Integer dropPrivileges(Integer planned, InodeAttributes a) {
    int base = planned != null ? planned : a.mode();
    int killed = Access.killPriv(base);
    return killed != base ? Integer.valueOf(killed) : planned;
  }
}
