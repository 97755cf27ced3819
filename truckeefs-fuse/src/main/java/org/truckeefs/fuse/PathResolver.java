package org.truckeefs.fuse;

import org.truckeefs.api.Caller;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;

/**
 * Turns the absolute paths jnr-fuse hands us into inodes with one {@code lookup} per component. Symlinks are
 * never followed: the kernel has resolved them before the path reaches us, so a symlink in the last position
 * is the object the call is about.
 */
final class PathResolver {
  /** A path split into its directory's inode and its last name. */
  record Parent(InodeId dir, Name name) {}

  private final FileSystem fs;

  PathResolver(FileSystem fs) {
    this.fs = fs;
  }

  InodeId inode(Caller caller, String path) throws FsException {
    InodeId cur = fs.root();
    int i = 0;
    int n = checked(path).length();
    while (i < n) {
      int next = path.indexOf('/', i);
      if (next < 0) {
        next = n;
      }
      if (next > i) {
        cur = lookup(caller, cur, path.substring(i, next)).id();
      }
      i = next + 1;
    }
    return cur;
  }

  Parent parent(Caller caller, String path) throws FsException {
    String p = checked(path);
    int end = p.length();
    while (end > 1 && p.charAt(end - 1) == '/') {
      end--;
    }
    int slash = p.lastIndexOf('/', end - 1);
    if (slash < 0 || end <= slash + 1) {
      throw new FsException(FsError.INVALID, "the root has no parent");
    }
    InodeId dir = slash == 0 ? fs.root() : inode(caller, p.substring(0, slash));
    return new Parent(dir, Name.of(p.substring(slash + 1, end)));
  }

  private InodeAttributes lookup(Caller caller, InodeId dir, String component) throws FsException {
    return fs.lookup(caller, dir, Name.of(component));
  }

  private static String checked(String path) throws FsException {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      // libfuse passes a null path for an unlinked open file (hard_remove) in path-only callbacks.
      throw new FsException(FsError.NOT_FOUND, "no path for this call (the file was unlinked)");
    }
    return path;
  }
}
