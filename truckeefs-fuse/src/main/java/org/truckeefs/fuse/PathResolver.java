package org.truckeefs.fuse;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.PathFileSystem;

/**
 * Turns the absolute paths jnr-fuse hands us into inodes: the directory part through a short-lived cache of
 * directory paths, the last component with one {@code lookup} (whose answer is the current attributes, so a stat
 * costs one lookup). A final symlink is never followed: the kernel has resolved links before the path reaches us.
 *
 * <p>The cache lives as long as the kernel's own dentry cache ({@code entry_timeout}), so it adds no staleness a
 * mount does not already have; any rename or rmdir through this mount clears it. Skipping the per-component search
 * permission check on a cached directory is safe because the kernel (default_permissions) checked every component
 * of the path before sending the request.
 */
final class PathResolver {
  /** A path split into its directory's inode and its last name. */
  record Parent(InodeId dir, Name name) {}

  private record Cached(InodeId dir, long expires) {}

  private static final int MAX_CACHED = 100_000;

  private final FileSystem fs;
  private final long ttlNanos;
  private final ConcurrentHashMap<String, Cached> dirs = new ConcurrentHashMap<>();
  private final AtomicLong generation = new AtomicLong();

  PathResolver(FileSystem fs, Duration entryTimeout) {
    this.fs = fs;
    this.ttlNanos = entryTimeout.toNanos();
  }

  InodeId inode(Caller caller, String path) throws FsException {
    return attributes(caller, path).id();
  }

  /** The current attributes of what the path names. */
  InodeAttributes attributes(Caller caller, String path) throws FsException {
    String p = checked(path);
    if (p.equals("/")) {
      return fs.getattr(fs.root());
    }
    Parent parent = parent(caller, p);
    return fs.lookup(caller, parent.dir(), parent.name());
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
    InodeId dir = slash == 0 ? fs.root() : directory(caller, p.substring(0, slash));
    return new Parent(dir, Name.of(p.substring(slash + 1, end)));
  }

  /** Forgets every cached directory: a rename or rmdir may have moved or removed any of them. */
  void invalidate() {
    generation.incrementAndGet();
    dirs.clear();
  }

  private InodeId directory(Caller caller, String dirPath) throws FsException {
    long now = System.nanoTime();
    Cached c = dirs.get(dirPath);
    if (c != null && now - c.expires < 0) {
      return c.dir;
    }
    long gen = generation.get();
    InodeAttributes a = new PathFileSystem(fs, caller).resolve(dirPath, false);
    if (a.isDirectory() && ttlNanos > 0) {
      if (dirs.size() >= MAX_CACHED) {
        dirs.clear();
      }
      dirs.put(dirPath, new Cached(a.id(), now + ttlNanos));
      if (generation.get() != gen) {
        dirs.remove(dirPath); // a rename or rmdir ran meanwhile: the answer may already be stale
      }
    }
    return a.id();
  }

  private static String checked(String path) throws FsException {
    if (path == null || path.isEmpty() || path.charAt(0) != '/') {
      // libfuse passes a null path for an unlinked open file (hard_remove) in path-only callbacks.
      throw new FsException(FsError.NOT_FOUND, "no path for this call (the file was unlinked)");
    }
    return path;
  }
}
