package org.truckeefs.api;

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
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long size, TimeSpec atime, TimeSpec mtime) {
  public static final SetAttr NONE = new SetAttr(null, null, null, null, null, null);

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
