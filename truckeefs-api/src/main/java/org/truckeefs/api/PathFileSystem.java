package org.truckeefs.api;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

/**
 * Paths over any {@link FileSystem}, for applications that embed TruckeeFS and for tests. Paths are resolved
 * from the filesystem's root one component at a time with {@link FileSystem#lookup}, so every permission check
 * is the filesystem's own; a leading {@code /} is optional and relative paths start at the root too. Symbolic
 * links are followed, relative ones from the link's directory and absolute ones from the root, at most
 * {@value #MAX_SYMLINKS} per resolution ({@link FsError#LOOP} beyond). A trailing {@code /} requires a directory.
 *
 * <p>Every call acts as the {@link Caller} given to the constructor; {@link #as} gives a view for another one.
 * Errors are the underlying filesystem's {@link FsException}s, with the errno Linux gives for the same call on a
 * path. Thread-safe when the filesystem is; an instance holds no state besides the filesystem and caller.
 */
public final class PathFileSystem {
  /** Symbolic links followed in one resolution before giving up with ELOOP; Linux's limit. */
  public static final int MAX_SYMLINKS = 40;

  /** Mode of files created by {@link #write}, {@link #append} and {@link #createFile(String)}. */
  public static final int DEFAULT_FILE_MODE = 0644;

  /** Mode of directories created by {@link #mkdir(String)} and {@link #mkdirs(String)}. */
  public static final int DEFAULT_DIR_MODE = 0755;

  private static final int IO_SIZE = 1 << 20;
  private static final int LIST_PAGE = 256;

  private final FileSystem fs;
  private final Caller caller;

  /** Paths over {@code fs}, acting as root. */
  public PathFileSystem(FileSystem fs) {
    this(fs, Caller.ROOT);
  }

  public PathFileSystem(FileSystem fs, Caller caller) {
    this.fs = Objects.requireNonNull(fs, "fs");
    this.caller = Objects.requireNonNull(caller, "caller");
  }

  /** The same filesystem, acting as {@code other}. */
  public PathFileSystem as(Caller other) {
    return new PathFileSystem(fs, other);
  }

  public FileSystem fileSystem() {
    return fs;
  }

  public Caller caller() {
    return caller;
  }

  // ---- resolution

  /**
   * The inode {@code path} names. With {@code followLast} false a final symbolic link is returned itself
   * ({@code lstat}); links in the middle of the path are always followed.
   */
  public InodeAttributes resolve(String path, boolean followLast) throws FsException {
    Found f = walk(path, followLast);
    return f.require(path);
  }

  public InodeAttributes stat(String path) throws FsException {
    return resolve(path, true);
  }

  public InodeAttributes lstat(String path) throws FsException {
    return resolve(path, false);
  }

  /**
   * Whether {@code path} names something, following symbolic links (a dangling link does not exist). Errors other
   * than a missing component (permission denied, a loop) are thrown, because the answer is unknown.
   */
  public boolean exists(String path) throws FsException {
    try {
      return walk(path, true).inode != null;
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND || e.error() == FsError.NOT_DIRECTORY) {
        return false;
      }
      throw e;
    }
  }

  // ---- directories

  public InodeAttributes mkdir(String path) throws FsException {
    return mkdir(path, DEFAULT_DIR_MODE);
  }

  public InodeAttributes mkdir(String path, int mode) throws FsException {
    Found f = walk(path, false);
    if (f.name == null || f.inode != null || f.name.isDotOrDotDot()) {
      throw new FsException(FsError.EXISTS, "cannot create directory " + path + ": it exists");
    }
    return fs.mkdir(caller, f.parent.id(), f.name, mode);
  }

  /** Creates {@code path} and every missing ancestor; an existing directory is fine. Returns the last one. */
  public InodeAttributes mkdirs(String path) throws FsException {
    return mkdirs(path, DEFAULT_DIR_MODE);
  }

  public InodeAttributes mkdirs(String path, int mode) throws FsException {
    StringBuilder prefix = new StringBuilder();
    InodeAttributes last = stat("/");
    for (String c : components(path)) {
      prefix.append('/').append(c);
      String p = prefix.toString();
      Found f = walk(p, true);
      if (f.inode == null) {
        try {
          last = fs.mkdir(caller, f.parent.id(), f.name, mode);
        } catch (FsException e) {
          if (e.error() != FsError.EXISTS) {
            throw e;
          }
          last = stat(p); // someone else made it meanwhile
        }
      } else {
        last = f.inode;
      }
      if (!last.isDirectory()) {
        throw new FsException(FsError.NOT_DIRECTORY, "cannot create directory " + p + ": it exists and is not a directory");
      }
    }
    return last;
  }

  /** The names in directory {@code path}, without {@code .} and {@code ..}, in the filesystem's listing order. */
  public List<String> list(String path) throws FsException {
    List<String> names = new ArrayList<>();
    for (DirEntry e : listEntries(path)) {
      names.add(e.name().toString());
    }
    return names;
  }

  /** The entries of directory {@code path}, without {@code .} and {@code ..}. */
  public List<DirEntry> listEntries(String path) throws FsException {
    InodeAttributes dir = stat(path);
    if (!dir.isDirectory()) {
      throw new FsException(FsError.NOT_DIRECTORY, "cannot list " + path + ": not a directory");
    }
    long h = fs.opendir(caller, dir.id());
    try {
      List<DirEntry> out = new ArrayList<>();
      long cookie = 0;
      while (true) {
        DirListing page = fs.readdir(h, cookie, LIST_PAGE);
        for (DirEntry e : page.entries()) {
          if (!e.name().isDotOrDotDot()) {
            out.add(e);
          }
          cookie = e.cookie();
        }
        if (page.end() || page.entries().isEmpty()) {
          return out;
        }
      }
    } finally {
      fs.releasedir(h);
    }
  }

  // ---- files

  /**
   * Opens {@code path} as {@code open(2)} does: O_CREAT creates a missing file with {@code mode} (through a dangling
   * symbolic link too), O_EXCL refuses an existing name without following it, O_NOFOLLOW refuses a final link.
   * The caller releases the handle.
   */
  public OpenResult open(String path, OpenFlags flags, int mode) throws FsException {
    int v = flags.value();
    boolean excl = flags.create() && flags.exclusive();
    boolean noFollow = (v & OpenFlags.O_NOFOLLOW) != 0;
    Found f = walk(path, !excl && !noFollow);
    if (f.inode == null) {
      if (!flags.create()) {
        throw FsException.notFound("no such file: " + path);
      }
      if (f.mustBeDir) {
        throw new FsException(FsError.IS_DIRECTORY, "cannot create " + path + ": a trailing '/' names a directory");
      }
      return fs.create(caller, f.parent.id(), f.name, mode, flags);
    }
    if (excl) {
      throw FsException.exists("cannot create " + path + ": it exists");
    }
    if (f.inode.isSymlink()) {
      throw new FsException(FsError.LOOP, "cannot open " + path + ": it is a symbolic link and O_NOFOLLOW was given");
    }
    if ((v & OpenFlags.O_DIRECTORY) != 0 && !f.inode.isDirectory()) {
      throw new FsException(FsError.NOT_DIRECTORY, "cannot open " + path + ": not a directory");
    }
    return fs.open(caller, f.inode.id(), flags);
  }

  public OpenResult open(String path, OpenFlags flags) throws FsException {
    return open(path, flags, DEFAULT_FILE_MODE);
  }

  /** Creates an empty regular file; EEXIST if the name is taken. */
  public InodeAttributes createFile(String path) throws FsException {
    return createFile(path, DEFAULT_FILE_MODE);
  }

  public InodeAttributes createFile(String path, int mode) throws FsException {
    OpenResult r = open(path, OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL), mode);
    fs.release(r.handle());
    return r.attributes();
  }

  /** Replaces the content of {@code path} with {@code data}, creating the file if needed. */
  public void write(String path, byte[] data) throws FsException {
    writeThrough(path, OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_TRUNC), data);
  }

  /** Appends {@code data} to {@code path}, creating the file if needed. */
  public void append(String path, byte[] data) throws FsException {
    writeThrough(path, OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_APPEND), data);
  }

  private void writeThrough(String path, OpenFlags flags, byte[] data) throws FsException {
    OpenResult r = open(path, flags, DEFAULT_FILE_MODE);
    long h = r.handle();
    try {
      writeFully(h, flags.append() ? r.attributes().size() : 0, ByteBuffer.wrap(data));
      fs.flush(h);
    } finally {
      fs.release(h);
    }
  }

  private void writeFully(long handle, long offset, ByteBuffer src) throws FsException {
    long pos = offset;
    while (src.hasRemaining()) {
      int n = fs.write(handle, pos, src);
      if (n <= 0) {
        throw new FsException(FsError.IO, "write made no progress");
      }
      pos += n;
    }
  }

  /** The whole content of the file {@code path}. */
  public byte[] readAllBytes(String path) throws FsException {
    OpenResult r = open(path, OpenFlags.READ, 0);
    long h = r.handle();
    try {
      if (r.attributes().isDirectory()) {
        throw new FsException(FsError.IS_DIRECTORY, "cannot read " + path + ": it is a directory");
      }
      return readToEnd(h, r.attributes().size());
    } finally {
      fs.release(h);
    }
  }

  private byte[] readToEnd(long handle, long sizeHint) throws FsException {
    byte[] buf = new byte[(int) Math.min(Math.max(sizeHint, 16), Integer.MAX_VALUE - 16)];
    int len = 0;
    while (true) {
      if (len == buf.length) {
        buf = Arrays.copyOf(buf, (int) Math.min((long) buf.length * 2, Integer.MAX_VALUE - 16));
      }
      int n = fs.read(handle, len, ByteBuffer.wrap(buf, len, Math.min(buf.length - len, IO_SIZE)));
      if (n <= 0) {
        return len == buf.length ? buf : Arrays.copyOf(buf, len);
      }
      len += n;
    }
  }

  /** Copies the content and permission bits of file {@code from} to a new file {@code to} (EEXIST if taken). */
  public InodeAttributes copy(String from, String to) throws FsException {
    return copy(from, to, false);
  }

  /** Copies a regular file; with {@code replaceExisting} an existing target file is truncated and overwritten. */
  public InodeAttributes copy(String from, String to, boolean replaceExisting) throws FsException {
    InodeAttributes src = stat(from);
    if (src.isDirectory()) {
      throw new FsException(FsError.IS_DIRECTORY, "cannot copy " + from + ": it is a directory");
    }
    OpenResult in = open(from, OpenFlags.READ, 0);
    try {
      int create = OpenFlags.O_CREAT | (replaceExisting ? OpenFlags.O_TRUNC : OpenFlags.O_EXCL);
      OpenResult out = open(to, OpenFlags.WRITE.with(create), src.mode() & 0777);
      try {
        ByteBuffer buf = ByteBuffer.allocate(IO_SIZE);
        long pos = 0;
        while (true) {
          buf.clear();
          int n = fs.read(in.handle(), pos, buf);
          if (n <= 0) {
            break;
          }
          buf.flip();
          writeFully(out.handle(), pos, buf);
          pos += n;
        }
        fs.flush(out.handle());
        return fs.getattr(out.attributes().id());
      } finally {
        fs.release(out.handle());
      }
    } finally {
      fs.release(in.handle());
    }
  }

  // ---- names

  /** Removes a file, symbolic link or empty directory; a final symbolic link is removed, not its target. */
  public void delete(String path) throws FsException {
    Found f = walk(path, false);
    f.require(path);
    if (f.name == null) {
      throw new FsException(FsError.BUSY, "cannot delete the root directory");
    }
    if (f.inode.isDirectory()) {
      fs.rmdir(caller, f.parent.id(), f.name);
    } else {
      fs.unlink(caller, f.parent.id(), f.name);
    }
  }

  /** Removes {@code path} and, for a directory, everything below it. Symbolic links are removed, never followed. */
  public void deleteRecursively(String path) throws FsException {
    InodeAttributes a = lstat(path);
    if (a.isDirectory()) {
      String base = path.endsWith("/") ? path : path + "/";
      for (String name : list(path)) {
        deleteRecursively(base + name);
      }
      if (walk(path, false).name == null) {
        return; // the root itself stays, emptied
      }
    }
    delete(path);
  }

  public void rename(String from, String to) throws FsException {
    rename(from, to, RenameFlags.NONE);
  }

  /** {@code renameat2}: neither path's final component is followed. */
  public void rename(String from, String to, RenameFlags flags) throws FsException {
    Found src = walk(from, false);
    Found dst = walk(to, false);
    if (src.name == null || dst.name == null) {
      throw new FsException(FsError.BUSY, "cannot rename the root directory");
    }
    if (src.name.isDotOrDotDot() || dst.name.isDotOrDotDot()) {
      throw new FsException(FsError.INVALID, "cannot rename '.' or '..'");
    }
    fs.rename(caller, src.parent.id(), src.name, dst.parent.id(), dst.name, flags);
  }

  /** Creates the symbolic link {@code linkPath} pointing to {@code target} (stored as given, not resolved). */
  public InodeAttributes symlink(String target, String linkPath) throws FsException {
    Found f = walk(linkPath, false);
    if (f.name == null || f.inode != null || f.name.isDotOrDotDot()) {
      throw FsException.exists("cannot create symbolic link " + linkPath + ": it exists");
    }
    return fs.symlink(caller, f.parent.id(), f.name, target);
  }

  /** The target of symbolic link {@code path}; EINVAL if it is not one. */
  public String readlink(String path) throws FsException {
    return fs.readlink(caller, lstat(path).id());
  }

  /** A new hard link {@code newPath} to {@code existing} (a final symbolic link in {@code existing} is linked itself). */
  public InodeAttributes link(String existing, String newPath) throws FsException {
    InodeAttributes target = lstat(existing);
    Found f = walk(newPath, false);
    if (f.name == null || f.inode != null || f.name.isDotOrDotDot()) {
      throw FsException.exists("cannot create link " + newPath + ": it exists");
    }
    return fs.link(caller, target.id(), f.parent.id(), f.name);
  }

  // ---- attributes

  public InodeAttributes chmod(String path, int mode) throws FsException {
    return fs.setattr(caller, stat(path).id(), SetAttr.chmod(mode), -1);
  }

  /** Changes owner and/or group; {@code null} leaves one unchanged. */
  public InodeAttributes chown(String path, Integer uid, Integer gid) throws FsException {
    return fs.setattr(caller, stat(path).id(), SetAttr.chown(uid, gid), -1);
  }

  public InodeAttributes truncate(String path, long size) throws FsException {
    return fs.setattr(caller, stat(path).id(), SetAttr.truncate(size), -1);
  }

  /** {@code utimensat}: a {@code null} time is left unchanged (UTIME_OMIT). */
  public InodeAttributes setTimes(String path, TimeSpec atime, TimeSpec mtime) throws FsException {
    return fs.setattr(caller, stat(path).id(), SetAttr.times(atime, mtime), -1);
  }

  /** {@code access(2)} with a mask of R_OK=4, W_OK=2, X_OK=1 or F_OK=0. */
  public void access(String path, int mask) throws FsException {
    fs.access(caller, stat(path).id(), mask);
  }

  public StatFs statfs() throws FsException {
    return fs.statfs();
  }

  // ---- extended attributes (links followed, as getxattr(2) does)

  public byte[] getXattr(String path, String name) throws FsException {
    return fs.getxattr(caller, stat(path).id(), name);
  }

  public void setXattr(String path, String name, byte[] value) throws FsException {
    setXattr(path, name, value, XattrMode.EITHER);
  }

  public void setXattr(String path, String name, byte[] value, XattrMode mode) throws FsException {
    fs.setxattr(caller, stat(path).id(), name, value, mode);
  }

  public List<String> listXattr(String path) throws FsException {
    return fs.listxattr(caller, stat(path).id());
  }

  public void removeXattr(String path, String name) throws FsException {
    fs.removexattr(caller, stat(path).id(), name);
  }

  // ---- the walk

  /**
   * Where a path leads: the directory holding the final name, the name, and the inode it names (null when the
   * final component does not exist but its directory does). For the root, parent and name are null.
   */
  private static final class Found {
    final InodeAttributes parent;
    final Name name;
    final InodeAttributes inode;
    final boolean mustBeDir;

    Found(InodeAttributes parent, Name name, InodeAttributes inode, boolean mustBeDir) {
      this.parent = parent;
      this.name = name;
      this.inode = inode;
      this.mustBeDir = mustBeDir;
    }

    InodeAttributes require(String path) throws FsException {
      if (inode == null) {
        throw FsException.notFound("no such file or directory: " + path);
      }
      return inode;
    }
  }

  private Found walk(String path, boolean followLast) throws FsException {
    if (path == null || path.isEmpty()) {
      throw FsException.notFound("empty path");
    }
    boolean mustBeDir = path.endsWith("/") && components(path).size() > 0;
    Deque<String> unresolved = new ArrayDeque<>(components(path));
    InodeAttributes dir = fs.getattr(fs.root());
    InodeAttributes parent = null;
    Name lastName = null;
    int links = 0;
    while (!unresolved.isEmpty()) {
      String component = unresolved.removeFirst();
      boolean last = unresolved.isEmpty();
      if (!dir.isDirectory()) {
        throw new FsException(FsError.NOT_DIRECTORY, "a component of " + path + " is not a directory");
      }
      Name name = Name.of(component);
      InodeAttributes child;
      try {
        child = fs.lookup(caller, dir.id(), name);
      } catch (FsException e) {
        if (last && e.error() == FsError.NOT_FOUND) {
          return new Found(dir, name, null, mustBeDir);
        }
        throw e;
      }
      if (child.isSymlink() && (!last || followLast || mustBeDir)) {
        if (++links > MAX_SYMLINKS) {
          throw new FsException(FsError.LOOP, "too many levels of symbolic links in " + path);
        }
        String target = fs.readlink(caller, child.id());
        if (target.isEmpty()) {
          throw FsException.notFound("empty symbolic link target in " + path);
        }
        if (target.startsWith("/")) {
          dir = fs.getattr(fs.root());
          parent = null;
          lastName = null;
        }
        List<String> parts = components(target);
        for (int i = parts.size() - 1; i >= 0; i--) {
          unresolved.addFirst(parts.get(i));
        }
        continue;
      }
      if (last) {
        return check(new Found(dir, name, child, mustBeDir), path);
      }
      parent = dir;
      lastName = name;
      dir = child;
    }
    // Every component was consumed by directory steps or symbolic links: the path names dir itself.
    return check(new Found(parent, lastName, dir, mustBeDir), path);
  }

  private static Found check(Found f, String path) throws FsException {
    if (f.mustBeDir && f.inode != null && !f.inode.isDirectory()) {
      throw new FsException(FsError.NOT_DIRECTORY, path + " is not a directory");
    }
    return f;
  }

  private static List<String> components(String path) {
    List<String> out = new ArrayList<>();
    for (String c : path.split("/")) {
      if (!c.isEmpty()) {
        out.add(c);
      }
    }
    return out;
  }
}
