package org.truckeefs.nio;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessMode;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileOwnerAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.nio.file.spi.FileSystemProvider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/**
 * The {@code truckeefs} scheme: {@code FileSystems.newFileSystem(URI.create("truckeefs://NAME"), settings)} opens a
 * RiverFS from the settings (the same keys as {@link RiverFsConfig} and the CLI, values as strings or anything whose
 * {@code toString} is the value) and registers it under NAME until it is closed. Paths are
 * {@code truckeefs://NAME/some/path}.
 */
public final class TruckeeFileSystemProvider extends FileSystemProvider {
  public static final String SCHEME = "truckeefs";

  private final Map<String, TruckeeFileSystem> filesystems = new ConcurrentHashMap<>();
  /** Names being opened right now (guarded by {@code filesystems}). */
  private final Set<String> opening = new java.util.HashSet<>();

  /** For {@link java.util.ServiceLoader}; use {@link TruckeeFileSystems} or {@code FileSystems} instead. */
  public TruckeeFileSystemProvider() {}

  @Override
  public String getScheme() {
    return SCHEME;
  }

  private static String nameOf(URI uri) {
    if (uri == null || !SCHEME.equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("not a truckeefs: URI: " + uri);
    }
    String name = uri.getAuthority();
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a truckeefs URI names its filesystem: truckeefs://NAME/path, got " + uri);
    }
    return name;
  }

  @Override
  public TruckeeFileSystem newFileSystem(URI uri, Map<String, ?> env) throws IOException {
    String name = nameOf(uri);
    if (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/")) {
      throw new IllegalArgumentException("truckeefs://" + name + " names a whole filesystem; drop the path "
          + uri.getPath());
    }
    Map<String, String> settings = new HashMap<>();
    env.forEach((k, v) -> {
      if (v == null) {
        throw new IllegalArgumentException("setting " + k + " has no value");
      }
      settings.put(k, v.toString());
    });
    // The name is reserved under the lock and the filesystem opened outside it: opening reaches the backends
    // (SQL, Tahoe, Redis), and no lock is held across network I/O.
    synchronized (filesystems) {
      if (filesystems.containsKey(name) || !opening.add(name)) {
        throw new FileSystemAlreadyExistsException("truckeefs://" + name);
      }
    }
    try {
      RiverFS river;
      try {
        river = RiverFS.open(RiverFsConfig.fromSettings(settings));
      } catch (FsException e) {
        if (e.error() == FsError.INVALID) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
        throw Errors.map(e, "truckeefs://" + name);
      }
      TruckeeFileSystem fs = new TruckeeFileSystem(this, name, river, Caller.ROOT, true, true);
      synchronized (filesystems) {
        filesystems.put(name, fs);
      }
      return fs;
    } finally {
      synchronized (filesystems) {
        opening.remove(name);
      }
    }
  }

  /** Registers a filesystem the caller opened; closing the view unregisters it and leaves {@code fs} open. */
  TruckeeFileSystem register(String name, org.truckeefs.api.FileSystem fs, Caller caller) {
    synchronized (filesystems) {
      if (filesystems.containsKey(name) || opening.contains(name)) {
        throw new FileSystemAlreadyExistsException("truckeefs://" + name);
      }
      TruckeeFileSystem view = new TruckeeFileSystem(this, name, fs, caller, true, false);
      filesystems.put(name, view);
      return view;
    }
  }

  void forget(TruckeeFileSystem fs) {
    filesystems.remove(fs.name(), fs);
  }

  @Override
  public TruckeeFileSystem getFileSystem(URI uri) {
    TruckeeFileSystem fs = filesystems.get(nameOf(uri));
    if (fs == null) {
      throw new FileSystemNotFoundException(uri.toString());
    }
    return fs;
  }

  @Override
  public Path getPath(URI uri) {
    String p = uri.getPath();
    return getFileSystem(uri).getPath(p == null || p.isEmpty() ? "/" : p);
  }

  // ---- helpers

  private static boolean follow(LinkOption... options) {
    for (LinkOption o : options) {
      if (o == LinkOption.NOFOLLOW_LINKS) {
        return false;
      }
    }
    return true;
  }

  static InodeAttributes stat(TruckeePath p, boolean follow) throws IOException {
    try {
      return p.getFileSystem().paths().resolve(p.absolute(), follow);
    } catch (FsException e) {
      throw Errors.map(e, p.toString());
    }
  }

  private static int mode(FileAttribute<?>[] attrs, int dflt) {
    int mode = dflt;
    for (FileAttribute<?> a : attrs) {
      if (a.name().equals("posix:permissions") || a.name().equals("unix:permissions")) {
        @SuppressWarnings("unchecked")
        Set<PosixFilePermission> perms = (Set<PosixFilePermission>) a.value();
        mode = TruckeeAttributes.mode(perms);
      } else {
        throw new UnsupportedOperationException("cannot set " + a.name() + " at creation");
      }
    }
    return mode;
  }

  // ---- files

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    return newFileChannel(path, options, attrs);
  }

  @Override
  public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attrs)
      throws IOException {
    TruckeePath p = TruckeePath.of(path);
    TruckeeFileSystem tfs = p.getFileSystem();
    boolean append = options.contains(StandardOpenOption.APPEND);
    boolean write = append || options.contains(StandardOpenOption.WRITE);
    boolean read = options.contains(StandardOpenOption.READ) || !write;
    if (append && options.contains(StandardOpenOption.READ)) {
      throw new IllegalArgumentException("READ + APPEND not allowed");
    }
    if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
      throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
    }
    int flags = read && write ? OpenFlags.O_RDWR : write ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY;
    if (write) {
      if (options.contains(StandardOpenOption.CREATE_NEW)) {
        flags |= OpenFlags.O_CREAT | OpenFlags.O_EXCL;
      } else if (options.contains(StandardOpenOption.CREATE)) {
        flags |= OpenFlags.O_CREAT;
      }
      if (options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
        flags |= OpenFlags.O_TRUNC;
      }
    }
    if (append) {
      flags |= OpenFlags.O_APPEND;
    }
    if (options.contains(LinkOption.NOFOLLOW_LINKS)) {
      flags |= OpenFlags.O_NOFOLLOW;
    }
    int mode = mode(attrs, PathFileSystem.DEFAULT_FILE_MODE);
    OpenResult r;
    try {
      r = tfs.paths().open(p.absolute(), OpenFlags.of(flags), mode);
    } catch (FsException e) {
      throw Errors.map(e, p.toString());
    }
    if (r.attributes().isDirectory() && write) {
      release(tfs, r.handle());
      throw new FileSystemException(p.toString(), null, "Is a directory");
    }
    boolean sync = options.contains(StandardOpenOption.SYNC) || options.contains(StandardOpenOption.DSYNC);
    Runnable onClose = null;
    if (options.contains(StandardOpenOption.DELETE_ON_CLOSE)) {
      onClose = () -> {
        try {
          tfs.paths().delete(p.absolute());
        } catch (FsException ignored) {
          // best effort, as the JDK's DELETE_ON_CLOSE: the file may have been moved or removed meanwhile
        }
      };
    }
    return new TruckeeFileChannel(tfs.fs(), tfs.caller(), r.handle(), r.attributes().id(), p.toString(), read,
        write, append, sync, onClose);
  }

  private static void release(TruckeeFileSystem tfs, long handle) {
    try {
      tfs.fs().release(handle);
    } catch (FsException ignored) {
      // the open failed for another reason already being reported
    }
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path dir, DirectoryStream.Filter<? super Path> filter)
      throws IOException {
    TruckeePath p = TruckeePath.of(dir);
    InodeAttributes a = stat(p, true);
    if (!a.isDirectory()) {
      throw new NotDirectoryException(p.toString());
    }
    List<DirEntry> entries;
    try {
      entries = p.getFileSystem().paths().listEntries(p.absolute());
    } catch (FsException e) {
      throw Errors.map(e, p.toString());
    }
    return new TruckeeDirectoryStream(p, entries, filter);
  }

  @Override
  public void createDirectory(Path dir, FileAttribute<?>... attrs) throws IOException {
    TruckeePath p = TruckeePath.of(dir);
    if (p.getParent() == null && p.isAbsolute()) {
      throw new FileAlreadyExistsException(p.toString());
    }
    try {
      p.getFileSystem().paths().mkdir(p.absolute(), mode(attrs, PathFileSystem.DEFAULT_DIR_MODE));
    } catch (FsException e) {
      throw Errors.map(e, p.toString());
    }
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attrs) throws IOException {
    TruckeePath p = TruckeePath.of(link);
    if (attrs.length > 0) {
      throw new UnsupportedOperationException("symbolic links take no attributes");
    }
    try {
      p.getFileSystem().paths().symlink(target.toString(), p.absolute());
    } catch (FsException e) {
      throw Errors.map(e, p.toString(), target.toString());
    }
  }

  @Override
  public void createLink(Path link, Path existing) throws IOException {
    TruckeePath l = TruckeePath.of(link);
    TruckeePath e = TruckeePath.of(existing);
    if (l.getFileSystem().truckeeFileSystem() != e.getFileSystem().truckeeFileSystem()) {
      throw new FileSystemException(l.toString(), e.toString(), "cannot link across filesystems");
    }
    try {
      l.getFileSystem().paths().link(e.absolute(), l.absolute());
    } catch (FsException x) {
      throw Errors.map(x, l.toString(), e.toString());
    }
  }

  @Override
  public void delete(Path path) throws IOException {
    TruckeePath p = TruckeePath.of(path);
    try {
      p.getFileSystem().paths().delete(p.absolute());
    } catch (FsException e) {
      throw Errors.map(e, p.toString());
    }
  }

  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    TruckeePath p = TruckeePath.of(link);
    if (!stat(p, false).isSymlink()) {
      throw Errors.notLink(p.toString());
    }
    try {
      return p.getFileSystem().getPath(p.getFileSystem().paths().readlink(p.absolute()));
    } catch (FsException e) {
      throw Errors.map(e, p.toString());
    }
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    TruckeePath src = TruckeePath.of(source);
    TruckeePath dst = TruckeePath.of(target);
    List<CopyOption> opts = Arrays.asList(options);
    boolean follow = !opts.contains(LinkOption.NOFOLLOW_LINKS);
    InodeAttributes a = stat(src, follow);
    if (isSameFile(src, dst)) {
      return;
    }
    prepareTarget(dst, opts.contains(StandardCopyOption.REPLACE_EXISTING));
    PathFileSystem to = dst.getFileSystem().paths();
    try {
      if (a.isDirectory()) {
        to.mkdir(dst.absolute(), a.mode());
      } else if (a.isSymlink()) {
        to.symlink(src.getFileSystem().paths().readlink(src.absolute()), dst.absolute());
      } else if (a.isFile()) {
        copyContent(src, dst, a);
      } else {
        throw new FsException(FsError.NOT_SUPPORTED, "cannot copy a " + a.type() + " through java.nio");
      }
      if (opts.contains(StandardCopyOption.COPY_ATTRIBUTES) && !a.isSymlink()) {
        InodeAttributes made = to.lstat(dst.absolute());
        dst.getFileSystem().fs().setattr(to.caller(), made.id(),
            new SetAttr(a.mode(), null, null, null, TimeSpec.at(a.atime()), TimeSpec.at(a.mtime())), -1);
      }
    } catch (FsException e) {
      throw Errors.map(e, src.toString(), dst.toString());
    }
  }

  /** Removes an existing target when allowed (EEXIST otherwise); a non-empty directory stays (ENOTEMPTY). */
  private static void prepareTarget(TruckeePath dst, boolean replace) throws IOException {
    InodeAttributes existing;
    try {
      existing = dst.getFileSystem().paths().lstat(dst.absolute());
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return;
      }
      throw Errors.map(e, dst.toString());
    }
    if (!replace) {
      throw new FileAlreadyExistsException(dst.toString());
    }
    try {
      dst.getFileSystem().paths().delete(dst.absolute());
    } catch (FsException e) {
      throw Errors.map(e, dst.toString());
    }
    assert existing != null;
  }

  private static void copyContent(TruckeePath src, TruckeePath dst, InodeAttributes a) throws FsException {
    org.truckeefs.api.FileSystem in = src.getFileSystem().fs();
    org.truckeefs.api.FileSystem out = dst.getFileSystem().fs();
    OpenResult r = src.getFileSystem().paths().open(src.absolute(), OpenFlags.READ, 0);
    try {
      OpenResult w = dst.getFileSystem().paths().open(dst.absolute(),
          OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL), a.mode() & 0777);
      try {
        if (in == out) {
          // One filesystem: the implementation may share the data instead of copying it.
          long pos = 0;
          long n;
          while ((n = in.copyFileRange(r.handle(), pos, w.handle(), pos, 64L << 20)) > 0) {
            pos += n;
          }
        } else {
          ByteBuffer buf = ByteBuffer.allocate(1 << 20);
          long pos = 0;
          while (true) {
            buf.clear();
            int n = in.read(r.handle(), pos, buf);
            if (n <= 0) {
              break;
            }
            buf.flip();
            while (buf.hasRemaining()) {
              out.write(w.handle(), pos + n - buf.remaining(), buf);
            }
            pos += n;
          }
        }
        out.flush(w.handle());
      } finally {
        out.release(w.handle());
      }
    } finally {
      in.release(r.handle());
    }
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    TruckeePath src = TruckeePath.of(source);
    TruckeePath dst = TruckeePath.of(target);
    List<CopyOption> opts = Arrays.asList(options);
    boolean replace = opts.contains(StandardCopyOption.REPLACE_EXISTING);
    if (src.getFileSystem().truckeeFileSystem() != dst.getFileSystem().truckeeFileSystem()) {
      if (opts.contains(StandardCopyOption.ATOMIC_MOVE)) {
        throw new AtomicMoveNotSupportedException(src.toString(), dst.toString(), "another filesystem");
      }
      InodeAttributes a = stat(src, false);
      if (a.isDirectory() && hasEntries(src)) {
        throw new FileSystemException(src.toString(), dst.toString(), "cannot move a non-empty directory across filesystems");
      }
      copy(src, dst, replace ? new CopyOption[] {StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES,
          LinkOption.NOFOLLOW_LINKS} : new CopyOption[] {StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS});
      delete(src);
      return;
    }
    stat(src, false);
    if (isSameFile(src, dst)) {
      return;
    }
    try {
      // rename(2) is atomic, so ATOMIC_MOVE needs nothing more; without REPLACE_EXISTING the target must not exist.
      src.getFileSystem().paths().rename(src.absolute(), dst.absolute(),
          replace ? RenameFlags.NONE : RenameFlags.NOREPLACE);
    } catch (FsException e) {
      throw Errors.map(e, src.toString(), dst.toString());
    }
  }

  @Override
  public boolean isSameFile(Path path, Path path2) throws IOException {
    if (path.equals(path2)) {
      return true;
    }
    if (!(path instanceof TruckeePath a) || !(path2 instanceof TruckeePath b)) {
      return false;
    }
    if (a.getFileSystem().truckeeFileSystem() != b.getFileSystem().truckeeFileSystem()) {
      return false;
    }
    InodeAttributes x = stat(a, true);
    InodeAttributes y;
    try {
      y = b.getFileSystem().paths().resolve(b.absolute(), true);
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return false;
      }
      throw Errors.map(e, b.toString());
    }
    return x.id().equals(y.id());
  }

  @Override
  public boolean isHidden(Path path) {
    Path name = TruckeePath.of(path).getFileName();
    return name != null && name.toString().startsWith(".");
  }

  @Override
  public FileStore getFileStore(Path path) throws IOException {
    TruckeePath p = TruckeePath.of(path);
    stat(p, true);
    return p.getFileSystem().store();
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    TruckeePath p = TruckeePath.of(path);
    InodeAttributes a = stat(p, true);
    int mask = 0;
    for (AccessMode m : modes) {
      mask |= switch (m) {
        case READ -> 4;
        case WRITE -> 2;
        case EXECUTE -> 1;
      };
    }
    if (mask != 0) {
      try {
        p.getFileSystem().fs().access(p.getFileSystem().caller(), a.id(), mask);
      } catch (FsException e) {
        throw Errors.map(e, p.toString());
      }
    }
  }

  // ---- attributes

  @Override
  public <V extends FileAttributeView> V getFileAttributeView(Path path, Class<V> type, LinkOption... options) {
    TruckeePath p = TruckeePath.of(path);
    boolean follow = follow(options);
    if (type == BasicFileAttributeView.class) {
      return type.cast(new TruckeeAttributeView(p, follow, "basic"));
    }
    if (type == PosixFileAttributeView.class) {
      return type.cast(new TruckeeAttributeView(p, follow, "posix"));
    }
    if (type == FileOwnerAttributeView.class) {
      return type.cast(new TruckeeAttributeView(p, follow, "owner"));
    }
    if (type == UserDefinedFileAttributeView.class) {
      return type.cast(new TruckeeUserAttributeView(p, follow));
    }
    return null;
  }

  @Override
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    if (type != BasicFileAttributes.class && type != PosixFileAttributes.class) {
      throw new UnsupportedOperationException("attributes " + type.getName() + " are not supported");
    }
    return type.cast(new TruckeeAttributes(stat(TruckeePath.of(path), follow(options))));
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
    TruckeePath p = TruckeePath.of(path);
    int colon = attributes.indexOf(':');
    String view = colon < 0 ? "basic" : attributes.substring(0, colon);
    String names = colon < 0 ? attributes : attributes.substring(colon + 1);
    if (!TruckeeFileSystem.VIEWS.contains(view)) {
      throw new UnsupportedOperationException("view " + view + " is not supported");
    }
    if (view.equals("user")) {
      return new TruckeeUserAttributeView(p, follow(options)).readAll(names);
    }
    Map<String, Object> all = new TruckeeAttributes(stat(p, follow(options))).asMap(view);
    if (names.equals("*")) {
      return all;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (String n : names.split(",")) {
      if (n.equals("*")) {
        out.putAll(all);
      } else if (all.containsKey(n)) {
        out.put(n, all.get(n));
      } else {
        throw new IllegalArgumentException("'" + n + "' not recognized in view " + view);
      }
    }
    return out;
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
    TruckeePath p = TruckeePath.of(path);
    int colon = attribute.indexOf(':');
    String view = colon < 0 ? "basic" : attribute.substring(0, colon);
    String name = colon < 0 ? attribute : attribute.substring(colon + 1);
    boolean follow = follow(options);
    switch (view) {
      case "user" -> new TruckeeUserAttributeView(p, follow).write(name, value instanceof byte[] b
          ? ByteBuffer.wrap(b) : (ByteBuffer) value);
      case "basic", "posix", "owner", "unix" -> {
        TruckeeAttributeView v = new TruckeeAttributeView(p, follow, view);
        switch (name) {
          case "lastModifiedTime" -> v.setTimes((FileTime) value, null, null);
          case "lastAccessTime" -> v.setTimes(null, (FileTime) value, null);
          case "creationTime" -> v.setTimes(null, null, (FileTime) value);
          case "permissions" -> {
            @SuppressWarnings("unchecked")
            Set<PosixFilePermission> perms = (Set<PosixFilePermission>) value;
            v.setPermissions(perms);
          }
          case "owner" -> v.setOwner((java.nio.file.attribute.UserPrincipal) value);
          case "group" -> v.setGroup((java.nio.file.attribute.GroupPrincipal) value);
          case "mode" -> v.setattr(SetAttr.chmod(((Integer) value) & 07777));
          case "uid" -> v.setattr(SetAttr.chown((Integer) value, null));
          case "gid" -> v.setattr(SetAttr.chown(null, (Integer) value));
          default -> throw new IllegalArgumentException("'" + name + "' cannot be set in view " + view);
        }
      }
      default -> throw new UnsupportedOperationException("view " + view + " is not supported");
    }
  }

  private static boolean hasEntries(TruckeePath dir) throws IOException {
    try {
      return !dir.getFileSystem().paths().list(dir.absolute()).isEmpty();
    } catch (FsException e) {
      throw Errors.map(e, dir.toString());
    }
  }
}
