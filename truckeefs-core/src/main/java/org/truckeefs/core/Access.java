package org.truckeefs.core;

import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;

/** Permission checks from mode bits, owner, group and supplementary groups, as Linux's generic_permission does. */
final class Access {
  static final int R = 4;
  static final int W = 2;
  static final int X = 1;
  static final int S_ISUID = 04000;
  static final int S_ISGID = 02000;
  static final int S_ISVTX = 01000;
  static final int S_IXGRP = 00010;

  private Access() {}

  /** Whether {@code caller} may access {@code a} with {@code mask} (R/W/X bits). Root passes all but a bare x. */
  static boolean permits(Caller caller, InodeAttributes a, int mask) {
    if (caller.isRoot()) {
      return (mask & X) == 0 || a.isDirectory() || (a.mode() & 0111) != 0;
    }
    int bits;
    if (caller.uid() == a.uid()) {
      bits = (a.mode() >> 6) & 7;
    } else if (caller.inGroup(a.gid())) {
      bits = (a.mode() >> 3) & 7;
    } else {
      bits = a.mode() & 7;
    }
    return (bits & mask) == mask;
  }

  static void check(Caller caller, InodeAttributes a, int mask, String what) throws FsException {
    if (!permits(caller, a, mask)) {
      throw new FsException(FsError.ACCESS_DENIED, "permission denied: " + what);
    }
  }

  static boolean isOwner(Caller caller, InodeAttributes a) {
    return caller.isRoot() || caller.uid() == a.uid();
  }

  /** The sticky-directory rule: only root, the directory's owner or the entry's owner may remove or rename it. */
  static void checkSticky(Caller caller, InodeAttributes dir, InodeAttributes victim, String what) throws FsException {
    if ((dir.mode() & S_ISVTX) != 0 && !caller.isRoot() && caller.uid() != dir.uid() && caller.uid() != victim.uid()) {
      throw new FsException(FsError.NOT_PERMITTED, "sticky directory: only the owner may remove or rename " + what);
    }
  }

  /** The bits Linux clears when a non-root process writes or truncates a file: setuid, and setgid with group-exec. */
  static int killPriv(int mode) {
    int m = mode & ~S_ISUID;
    if ((m & S_IXGRP) != 0) {
      m &= ~S_ISGID;
    }
    return m;
  }
}
