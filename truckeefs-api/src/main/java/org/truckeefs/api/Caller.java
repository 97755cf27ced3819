package org.truckeefs.api;

import java.util.Arrays;

/**
 * Who asks: the credentials permission checks use. Root (uid 0) passes every permission check except
 * execute on a file with no execute bit at all, as on Linux.
 *
 * @param uid effective user id
 * @param gid effective group id
 * @param groups supplementary groups
 * @param pid the calling process (0 when unknown); used for POSIX lock ownership only
 */
public record Caller(int uid, int gid, int[] groups, long pid) {
  public static final Caller ROOT = new Caller(0, 0, new int[0], 0);

  public Caller {
    groups = groups == null ? new int[0] : groups.clone();
  }

  public static Caller of(int uid, int gid, int... groups) {
    return new Caller(uid, gid, groups, 0);
  }

  public boolean isRoot() {
    return uid == 0;
  }

  /** Whether {@code g} is the caller's group or one of its supplementary groups. */
  public boolean inGroup(int g) {
    if (g == gid) {
      return true;
    }
    for (int x : groups) {
      if (x == g) {
        return true;
      }
    }
    return false;
  }

  @Override
  public int[] groups() {
    return groups.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Caller c && c.uid == uid && c.gid == gid && c.pid == pid && Arrays.equals(c.groups, groups);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
  }

  @Override
  public String toString() {
    return "Caller[uid=" + uid + ", gid=" + gid + ", groups=" + Arrays.toString(groups) + ", pid=" + pid + "]";
  }
}
