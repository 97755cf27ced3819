package org.truckeefs.testkit.fs;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.StatFs;
import org.truckeefs.api.XattrMode;

/**
 * A deliberately simple POSIX filesystem in memory, one lock for everything: the oracle the suites are checked
 * against before they judge a real implementation. Not fast, not clever; every rule written out.
 */
final class SimpleFileSystem implements FileSystem {
  private static final int R = 4;
  private static final int W = 2;
  private static final int X = 1;

  private static final class Inode {
    final long id;
    final InodeType type;
    int mode;
    int uid;
    int gid;
    long nlink;
    Instant atime;
    Instant mtime;
    Instant ctime;
    final Instant crtime;
    long version;
    byte[] data = new byte[0];
    long size;
    String target;
    final TreeMap<String, byte[]> xattrs = new TreeMap<>();
    // directories
    Inode parent;
    final Map<Name, Long> cookieOf = new HashMap<>();
    final TreeMap<Long, Name> byCookie = new TreeMap<>();
    final Map<Name, Inode> children = new HashMap<>();
    long nextCookie = 3;
    int openCount;

    Inode(long id, InodeType type, int mode, Caller c, Instant now) {
      this.id = id;
      this.type = type;
      this.mode = mode & 07777;
      this.uid = c.uid();
      this.gid = c.gid();
      this.atime = now;
      this.mtime = now;
      this.ctime = now;
      this.crtime = now;
    }

    boolean dir() {
      return type == InodeType.DIRECTORY;
    }

    InodeAttributes attrs() {
      return new InodeAttributes(InodeId.of(id), type, mode, uid, gid, size, nlink, 0, atime, mtime, ctime, crtime, version);
    }
  }

  private record Handle(Inode inode, boolean read, boolean write, boolean append, boolean dir) {}

  private final Clock clock;
  private final Map<Long, Inode> inodes = new HashMap<>();
  private final Map<Long, Handle> handles = new HashMap<>();
  private long nextId = 2;
  private long nextHandle = 100;

  SimpleFileSystem(Clock clock) {
    this.clock = clock;
    Inode root = new Inode(1, InodeType.DIRECTORY, 0755, Caller.ROOT, clock.instant());
    root.nlink = 2;
    root.parent = root;
    inodes.put(1L, root);
  }

  /**
   * The same files after a restart: a new instance over this one's inodes with no handle open. Inodes whose last
   * name went while they were open (link count 0) are gone, as a filesystem purges such orphans when it starts.
   * This instance must not be used afterwards.
   */
  SimpleFileSystem restarted() {
    SimpleFileSystem next = new SimpleFileSystem(clock);
    next.inodes.clear();
    inodes.forEach((id, i) -> {
      if (i.nlink > 0) {
        i.openCount = 0;
        next.inodes.put(id, i);
      }
    });
    next.nextId = nextId;
    next.nextHandle = nextHandle;
    return next;
  }

  /** How many regular files hold content: the reference's count of stored blobs. */
  long storedContents() {
    return inodes.values().stream().filter(i -> i.type == InodeType.FILE && i.size > 0).count();
  }

  // ---- helpers

  private Instant now() {
    return clock.instant();
  }

  private Inode inode(InodeId id) throws FsException {
    Inode i = inodes.get(id.value());
    if (i == null) {
      throw FsException.notFound("no inode " + id);
    }
    return i;
  }

  private Inode dir(InodeId id) throws FsException {
    Inode i = inode(id);
    if (!i.dir()) {
      throw new FsException(FsError.NOT_DIRECTORY, "not a directory");
    }
    return i;
  }

  private static boolean allowed(Caller c, Inode i, int mask) {
    if (c.isRoot()) {
      return (mask & X) == 0 || i.dir() || (i.mode & 0111) != 0;
    }
    int bits = c.uid() == i.uid ? i.mode >> 6 : c.inGroup(i.gid) ? i.mode >> 3 : i.mode;
    return (bits & mask & 7) == (mask & 7);
  }

  private static void check(Caller c, Inode i, int mask) throws FsException {
    if (!allowed(c, i, mask)) {
      throw new FsException(FsError.ACCESS_DENIED, "permission denied");
    }
  }

  private static void sticky(Caller c, Inode dir, Inode victim) throws FsException {
    if ((dir.mode & 01000) != 0 && !c.isRoot() && c.uid() != victim.uid && c.uid() != dir.uid) {
      throw new FsException(FsError.NOT_PERMITTED, "sticky directory");
    }
  }

  private Inode child(Inode dir, Name name) {
    if (name.isDot()) {
      return dir;
    }
    if (name.isDotDot()) {
      return dir.parent;
    }
    return dir.children.get(name);
  }

  private void addEntry(Inode dir, Name name, Inode child) {
    dir.children.put(name, child);
    long cookie = dir.nextCookie++;
    dir.cookieOf.put(name, cookie);
    dir.byCookie.put(cookie, name);
    dir.mtime = dir.ctime = now();
  }

  private void removeEntry(Inode dir, Name name) {
    dir.children.remove(name);
    dir.byCookie.remove(dir.cookieOf.remove(name));
    dir.mtime = dir.ctime = now();
  }

  private void dropIfUnused(Inode i) {
    if (i.nlink <= 0 && i.openCount == 0) {
      inodes.remove(i.id);
    }
  }

  private Inode newInode(InodeType type, int mode, Caller c) {
    Inode i = new Inode(nextId++, type, mode, c, now());
    inodes.put(i.id, i);
    return i;
  }

  private Inode prepareCreate(Caller c, InodeId parent, Name name) throws FsException {
    Inode p = dir(parent);
    check(c, p, W | X);
    if (name.isDotOrDotDot() || p.children.containsKey(name)) {
      throw FsException.exists(name + " exists");
    }
    return p;
  }

  private Handle handle(long h) throws FsException {
    Handle x = handles.get(h);
    if (x == null) {
      throw new FsException(FsError.BAD_HANDLE, "unknown handle " + h);
    }
    return x;
  }

  private static void resize(Inode i, long size) {
    if (size > i.data.length) {
      i.data = Arrays.copyOf(i.data, (int) Math.max(size, i.data.length * 2L));
    } else if (size < i.size) {
      Arrays.fill(i.data, (int) size, (int) i.size, (byte) 0);
    }
    i.size = size;
  }

  // ---- FileSystem

  @Override
  public synchronized InodeAttributes lookup(Caller c, InodeId parent, Name name) throws FsException {
    Inode p = dir(parent);
    check(c, p, X);
    Inode i = child(p, name);
    if (i == null) {
      throw FsException.notFound(name.toString());
    }
    return i.attrs();
  }

  @Override
  public synchronized InodeAttributes getattr(InodeId inode) throws FsException {
    return inode(inode).attrs();
  }

  @Override
  public synchronized InodeAttributes setattr(Caller c, InodeId id, SetAttr s, long handle) throws FsException {
    Inode i = inode(id);
    boolean owner = c.isRoot() || c.uid() == i.uid;
    if (s.mode() != null && !owner) {
      throw new FsException(FsError.NOT_PERMITTED, "chmod by non-owner");
    }
    if (s.uid() != null || s.gid() != null) {
      boolean uidOk = s.uid() == null || s.uid() == i.uid;
      boolean gidOk = s.gid() == null || s.gid() == i.gid || c.inGroup(s.gid());
      if (!c.isRoot() && !(c.uid() == i.uid && uidOk && gidOk)) {
        throw new FsException(FsError.NOT_PERMITTED, "chown");
      }
    }
    if (s.size() != null) {
      if (i.dir()) {
        throw new FsException(FsError.IS_DIRECTORY, "truncate of a directory");
      }
      if (s.size() < 0) {
        throw new FsException(FsError.INVALID, "negative size");
      }
      if (handle < 0 || !handle(handle).write()) {
        check(c, i, W);
      }
    }
    for (var t : Arrays.asList(s.atime(), s.mtime())) {
      if (t != null && !t.isNow() && !owner) {
        throw new FsException(FsError.NOT_PERMITTED, "explicit times by non-owner");
      }
      if (t != null && t.isNow() && !owner) {
        check(c, i, W);
      }
    }
    Instant now = now();
    if (s.mode() != null) {
      i.mode = s.mode() & 07777;
    }
    if (s.uid() != null) {
      i.uid = s.uid();
    }
    if (s.gid() != null) {
      i.gid = s.gid();
    }
    if (s.size() != null) {
      resize(i, s.size());
      i.mtime = now;
    }
    if (s.atime() != null) {
      i.atime = s.atime().resolve(now);
    }
    if (s.mtime() != null) {
      i.mtime = s.mtime().resolve(now);
    }
    i.ctime = now;
    i.version++;
    return i.attrs();
  }

  @Override
  public synchronized InodeAttributes mkdir(Caller c, InodeId parent, Name name, int mode) throws FsException {
    Inode p = prepareCreate(c, parent, name);
    Inode d = newInode(InodeType.DIRECTORY, mode, c);
    d.nlink = 2;
    d.parent = p;
    p.nlink++;
    addEntry(p, name, d);
    return d.attrs();
  }

  @Override
  public synchronized void rmdir(Caller c, InodeId parent, Name name) throws FsException {
    Inode p = dir(parent);
    if (name.isDot()) {
      throw new FsException(FsError.INVALID, "rmdir .");
    }
    if (name.isDotDot()) {
      throw new FsException(FsError.NOT_EMPTY, "rmdir ..");
    }
    check(c, p, W | X);
    Inode d = p.children.get(name);
    if (d == null) {
      throw FsException.notFound(name.toString());
    }
    if (!d.dir()) {
      throw new FsException(FsError.NOT_DIRECTORY, name.toString());
    }
    if (!d.children.isEmpty()) {
      throw new FsException(FsError.NOT_EMPTY, name.toString());
    }
    sticky(c, p, d);
    removeEntry(p, name);
    p.nlink--;
    d.nlink = 0;
    dropIfUnused(d);
  }

  @Override
  public synchronized InodeAttributes mknod(Caller c, InodeId parent, Name name, int mode, long rdev) throws FsException {
    InodeType t = InodeType.fromMode(mode);
    Inode p = prepareCreate(c, parent, name);
    Inode i = newInode(t, mode, c);
    i.nlink = 1;
    addEntry(p, name, i);
    return i.attrs();
  }

  @Override
  public synchronized InodeAttributes symlink(Caller c, InodeId parent, Name name, String target) throws FsException {
    Inode p = prepareCreate(c, parent, name);
    Inode i = newInode(InodeType.SYMLINK, 0777, c);
    i.nlink = 1;
    i.target = target;
    i.size = target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    addEntry(p, name, i);
    return i.attrs();
  }

  @Override
  public synchronized String readlink(Caller c, InodeId inode) throws FsException {
    Inode i = inode(inode);
    if (i.type != InodeType.SYMLINK) {
      throw new FsException(FsError.INVALID, "not a symbolic link");
    }
    return i.target;
  }

  @Override
  public synchronized InodeAttributes link(Caller c, InodeId inode, InodeId newParent, Name newName) throws FsException {
    Inode i = inode(inode);
    Inode p = prepareCreate(c, newParent, newName);
    if (i.dir()) {
      throw new FsException(FsError.NOT_PERMITTED, "hard link to a directory");
    }
    i.nlink++;
    i.ctime = now();
    addEntry(p, newName, i);
    return i.attrs();
  }

  @Override
  public synchronized void unlink(Caller c, InodeId parent, Name name) throws FsException {
    Inode p = dir(parent);
    check(c, p, W | X);
    Inode i = child(p, name);
    if (i == null) {
      throw FsException.notFound(name.toString());
    }
    if (i.dir()) {
      throw new FsException(FsError.IS_DIRECTORY, name.toString());
    }
    sticky(c, p, i);
    removeEntry(p, name);
    i.nlink--;
    i.ctime = now();
    dropIfUnused(i);
  }

  @Override
  public synchronized void rename(Caller c, InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags)
      throws FsException {
    Inode sp = dir(parent);
    Inode dp = dir(newParent);
    if (name.isDotOrDotDot() || newName.isDotOrDotDot()) {
      throw new FsException(FsError.INVALID, "rename of . or ..");
    }
    check(c, sp, W | X);
    check(c, dp, W | X);
    Inode src = sp.children.get(name);
    if (src == null) {
      throw FsException.notFound(name.toString());
    }
    Inode dst = dp.children.get(newName);
    if (flags == RenameFlags.NOREPLACE && dst != null) {
      throw FsException.exists(newName.toString());
    }
    if (flags == RenameFlags.EXCHANGE && dst == null) {
      throw FsException.notFound(newName.toString());
    }
    if (flags != RenameFlags.EXCHANGE && dst != null && dst != src) {
      if (src.dir() && !dst.dir()) {
        throw new FsException(FsError.NOT_DIRECTORY, newName.toString());
      }
      if (!src.dir() && dst.dir()) {
        throw new FsException(FsError.IS_DIRECTORY, newName.toString());
      }
    }
    if (src.dir() && isAncestorOrSelf(src, dp) && src != dst) {
      throw new FsException(FsError.INVALID, "directory into its own subtree");
    }
    if (dst != null && dst.dir() && dst != src && isAncestorOrSelf(dst, sp)) {
      throw new FsException(flags == RenameFlags.EXCHANGE ? FsError.INVALID : FsError.NOT_EMPTY, "target is an ancestor");
    }
    if (dst == src) {
      return;
    }
    sticky(c, sp, src);
    if (dst != null) {
      sticky(c, dp, dst);
    }
    if (flags == RenameFlags.EXCHANGE) {
      removeEntry(sp, name);
      removeEntry(dp, newName);
      addEntry(dp, newName, src);
      addEntry(sp, name, dst);
      if (src.dir() && sp != dp) {
        src.parent = dp;
        sp.nlink--;
        dp.nlink++;
      }
      if (dst.dir() && sp != dp) {
        dst.parent = sp;
        dp.nlink--;
        sp.nlink++;
      }
      return;
    }
    if (dst != null) {
      if (dst.dir() && !dst.children.isEmpty()) {
        throw new FsException(FsError.NOT_EMPTY, newName.toString());
      }
      removeEntry(dp, newName);
      if (dst.dir()) {
        dp.nlink--;
        dst.nlink = 0;
      } else {
        dst.nlink--;
      }
      dropIfUnused(dst);
    }
    removeEntry(sp, name);
    addEntry(dp, newName, src);
    src.ctime = now();
    if (src.dir() && sp != dp) {
      src.parent = dp;
      sp.nlink--;
      dp.nlink++;
    }
  }

  private static boolean isAncestorOrSelf(Inode a, Inode n) {
    Inode x = n;
    while (true) {
      if (x == a) {
        return true;
      }
      if (x.parent == x) {
        return false;
      }
      x = x.parent;
    }
  }

  @Override
  public synchronized OpenResult create(Caller c, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException {
    Inode p = dir(parent);
    check(c, p, X);
    Inode existing = child(p, name);
    if (existing != null) {
      if (flags.exclusive()) {
        throw FsException.exists(name.toString());
      }
      return open(c, InodeId.of(existing.id), flags);
    }
    prepareCreate(c, parent, name);
    Inode i = newInode(InodeType.FILE, mode, c);
    i.nlink = 1;
    addEntry(p, name, i);
    return openInode(i, flags);
  }

  @Override
  public synchronized OpenResult open(Caller c, InodeId inode, OpenFlags flags) throws FsException {
    Inode i = inode(inode);
    if (i.dir() && flags.canWrite()) {
      throw new FsException(FsError.IS_DIRECTORY, "directory opened for writing");
    }
    int mask = (flags.canRead() ? R : 0) | (flags.canWrite() ? W : 0) | (flags.truncate() ? W : 0);
    check(c, i, mask);
    if (flags.truncate() && i.type == InodeType.FILE) {
      resize(i, 0);
      i.mtime = i.ctime = now();
    }
    return openInode(i, flags);
  }

  private OpenResult openInode(Inode i, OpenFlags flags) {
    long h = nextHandle++;
    handles.put(h, new Handle(i, flags.canRead(), flags.canWrite(), flags.append(), false));
    i.openCount++;
    return new OpenResult(h, i.attrs(), false);
  }

  @Override
  public synchronized int read(long handle, long offset, ByteBuffer dst) throws FsException {
    Handle h = handle(handle);
    if (h.dir || h.inode.dir()) {
      throw new FsException(FsError.IS_DIRECTORY, "read of a directory");
    }
    if (!h.read) {
      throw new FsException(FsError.BAD_HANDLE, "not open for reading");
    }
    Inode i = h.inode;
    if (offset >= i.size) {
      return 0;
    }
    int n = (int) Math.min(dst.remaining(), i.size - offset);
    dst.put(i.data, (int) offset, n);
    return n;
  }

  @Override
  public synchronized int write(long handle, long offset, ByteBuffer src) throws FsException {
    Handle h = handle(handle);
    if (!h.write) {
      throw new FsException(FsError.BAD_HANDLE, "not open for writing");
    }
    Inode i = h.inode;
    long at = h.append ? i.size : offset;
    int n = src.remaining();
    if (at + n > i.size) {
      resize(i, at + n);
    }
    src.get(i.data, (int) at, n);
    i.mtime = i.ctime = now();
    i.version++;
    return n;
  }

  @Override
  public synchronized void flush(long handle) throws FsException {
    handle(handle);
  }

  @Override
  public synchronized void fsync(long handle, boolean dataOnly) throws FsException {
    handle(handle);
  }

  @Override
  public synchronized void release(long handle) throws FsException {
    Handle h = handle(handle);
    handles.remove(handle);
    h.inode.openCount--;
    dropIfUnused(h.inode);
  }

  @Override
  public synchronized long opendir(Caller c, InodeId inode) throws FsException {
    Inode d = dir(inode);
    check(c, d, R);
    long h = nextHandle++;
    handles.put(h, new Handle(d, true, false, false, true));
    d.openCount++;
    return h;
  }

  @Override
  public synchronized DirListing readdir(long dirHandle, long cookie, int max) throws FsException {
    Handle h = handle(dirHandle);
    if (!h.dir) {
      throw new FsException(FsError.BAD_HANDLE, "not a directory handle");
    }
    Inode d = h.inode;
    List<DirEntry> out = new ArrayList<>();
    InodeId self = InodeId.of(d.id);
    if (cookie < 1 && out.size() < max) {
      out.add(new DirEntry(self, Name.DOT, self, InodeType.DIRECTORY, 1));
    }
    if (cookie < 2 && out.size() < max) {
      out.add(new DirEntry(self, Name.DOT_DOT, InodeId.of(d.parent.id), InodeType.DIRECTORY, 2));
    }
    var tail = d.byCookie.tailMap(Math.max(cookie, 2), false);
    for (Map.Entry<Long, Name> e : tail.entrySet()) {
      if (out.size() >= max) {
        return new DirListing(out, false);
      }
      Inode i = d.children.get(e.getValue());
      out.add(new DirEntry(self, e.getValue(), InodeId.of(i.id), i.type, e.getKey()));
    }
    return new DirListing(out, true);
  }

  @Override
  public synchronized void releasedir(long dirHandle) throws FsException {
    release(dirHandle);
  }

  @Override
  public synchronized StatFs statfs() {
    return new StatFs(4096, 1 << 20, 1 << 19, 1 << 18, 1 << 20, (1 << 20) - inodes.size(), Name.MAX_BYTES);
  }

  @Override
  public synchronized void access(Caller c, InodeId inode, int mask) throws FsException {
    check(c, inode(inode), mask);
  }

  @Override
  public synchronized byte[] getxattr(Caller c, InodeId inode, String name) throws FsException {
    Inode i = inode(inode);
    check(c, i, R);
    byte[] v = i.xattrs.get(name);
    if (v == null) {
      throw new FsException(FsError.NO_DATA, "no xattr " + name);
    }
    return v.clone();
  }

  @Override
  public synchronized void setxattr(Caller c, InodeId inode, String name, byte[] value, XattrMode mode) throws FsException {
    Inode i = inode(inode);
    check(c, i, W);
    boolean exists = i.xattrs.containsKey(name);
    if (mode == XattrMode.CREATE && exists) {
      throw FsException.exists("xattr " + name);
    }
    if (mode == XattrMode.REPLACE && !exists) {
      throw new FsException(FsError.NO_DATA, "no xattr " + name);
    }
    i.xattrs.put(name, value.clone());
    i.ctime = now();
  }

  @Override
  public synchronized List<String> listxattr(Caller c, InodeId inode) throws FsException {
    return new ArrayList<>(inode(inode).xattrs.keySet());
  }

  @Override
  public synchronized void removexattr(Caller c, InodeId inode, String name) throws FsException {
    Inode i = inode(inode);
    check(c, i, W);
    if (i.xattrs.remove(name) == null) {
      throw new FsException(FsError.NO_DATA, "no xattr " + name);
    }
    i.ctime = now();
  }

  @Override
  public void close() {}
}
