package org.truckeefs.api;

import java.time.Instant;

/**
 * The changes of one {@code setattr} call; a {@code null} field is left unchanged ({@code UTIME_OMIT} for
 * times). Explicit times ({@link TimeSpec#at}) need ownership; {@link TimeSpec#now()} needs write access.
 *
 * @param mode new permission bits (07777)
 * @param uid new owner
 * @param gid new group
 * @param size new length (truncate up or down)
 * @param atime new access time
 * @param mtime new modification time
 * @param ctime the change time the kernel keeps for a regular file under its write-back cache and sends with the
 *     times it flushes (null otherwise). Core never takes it as the new ctime of a store write, which is its own
 *     clock's; it only recognizes by it the kernel's flush of the times of a write (mtime equal to ctime), which
 *     core then saves with the written data instead of in a transaction of its own.
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long size, TimeSpec atime, TimeSpec mtime,
    Instant ctime) {
  public static final SetAttr NONE = new SetAttr(null, null, null, null, null, null);

  /** A change without the kernel's ctime. */
  public SetAttr(Integer mode, Integer uid, Integer gid, Long size, TimeSpec atime, TimeSpec mtime) {
    this(mode, uid, gid, size, atime, mtime, null);
  }

  /** Whether this changes nothing but perhaps reports the kernel's ctime (which alone changes nothing). */
  public boolean isEmpty() {
    return mode == null && uid == null && gid == null && size == null && atime == null && mtime == null;
  }

  public static SetAttr chmod(int mode) {
    return new SetAttr(mode, null, null, null, null, null);
  }

  public static SetAttr chown(Integer uid, Integer gid) {
    return new SetAttr(null, uid, gid, null, null, null);
  }

  public static SetAttr truncate(long size) {
    return new SetAttr(null, null, null, size, null, null);
  }

  public static SetAttr times(TimeSpec atime, TimeSpec mtime) {
    return new SetAttr(null, null, null, null, atime, mtime);
  }
}
