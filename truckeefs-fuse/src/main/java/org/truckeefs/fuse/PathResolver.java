package org.truckeefs.fuse;

import org.truckeefs.api.Caller;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.PathFileSystem;

/**
 * Turns the absolute paths jnr-fuse hands us into inodes through {@link PathFileSystem} (one {@code lookup} per
 * component). A final symlink is never followed: the kernel has resolved links before the path reaches us, so a
 * symlink in the last position is the object the call is about.
 */
final class PathResolver {
  /** A path split into its directory's inode and its last name. */
  record Parent(InodeId dir, Name name) {}

  private final FileSystem fs;

  PathResolver(FileSystem fs) {
    this.fs = fs;
  }

  InodeId inode(Caller caller, String path) throws FsException {
    return attributes(caller, path).id();
  }

  /** The inode the path names, a final symlink itself (the kernel resolved every link before us). */
  InodeAttributes attributes(Caller caller, String path) throws FsException {
    String p = checked(path);
    if (p.equals("/")) {
      return fs.getattr(fs.root());
    }
    return new PathFileSystem(fs, caller).resolve(p, false);
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

  private static String checked(String path) throws FsException {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      // libfuse passes a null path for an unlinked open file (hard_remove) in path-only callbacks.
      throw new FsException(FsError.NOT_FOUND, "no path for this call (the file was unlinked)");
    }
    return path;
  }
}
