package org.truckeefs.core;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.StoreStats;
import org.truckeefs.spi.UnlinkResult;

/**
 * The {@code memory:} metadata store: everything in maps, nothing survives the JVM. One global lock makes every
 * method atomic, which is all the SPI asks for and fast enough for tests and benchmarks.
 */
final class InMemoryMetadataStore implements MetadataStore {
  /** Store cookies start above 2 so they never collide with {@code .} (1) and {@code ..} (2). */
  private static final long FIRST_COOKIE = 3;

  private final Clock clock;
  private final Object lock = new Object();
  // @GuardedBy("lock") for every field below
  private final Map<Long, Node> inodes = new HashMap<>();
  private final TreeMap<String, BlobInfo> blobs = new TreeMap<>();
  private final TreeMap<Long, JournalEntry> journal = new TreeMap<>();
  private final Map<String, java.util.TreeSet<Long>> marks = new HashMap<>();
  private String filesystemId;
  private long nextInode = 2;
  private long nextJournalId = 1;
  private boolean closed;

  InMemoryMetadataStore(Clock clock) {
    this.clock = clock;
  }

  private static final class Node {
    final long id;
    final InodeType type;
    int mode;
    int uid;
    int gid;
    long size;
    long nlink;
    final long rdev;
    Instant atime;
    Instant mtime;
    Instant ctime;
    final Instant crtime;
    long version;
    final String symlinkTarget;
    final TreeMap<Long, ChunkRef> chunks = new TreeMap<>();
    final TreeMap<String, byte[]> xattrs = new TreeMap<>();
    // directories only
    long parent;
    long nextCookie = FIRST_COOKIE;
    final TreeMap<Long, Name> byCookie = new TreeMap<>();
    final Map<Name, Slot> byName = new HashMap<>();

    Node(long id, NewInode spec, long parent) {
      this.id = id;
      this.type = spec.type();
      this.mode = spec.mode() & InodeAttributes.PERMISSION_BITS;
      this.uid = spec.uid();
      this.gid = spec.gid();
      this.rdev = spec.rdev();
      this.atime = spec.time();
      this.mtime = spec.time();
      this.ctime = spec.time();
      this.crtime = spec.time();
      this.symlinkTarget = spec.symlinkTarget();
      this.nlink = spec.type() == InodeType.DIRECTORY ? 2 : 1;
      this.size = symlinkTarget == null ? 0 : symlinkTarget.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
      this.parent = parent;
    }

    InodeAttributes attrs() {
      return new InodeAttributes(InodeId.of(id), type, mode, uid, gid, size, nlink, rdev, atime, mtime, ctime, crtime,
          version);
    }

    boolean isDir() {
      return type == InodeType.DIRECTORY;
    }
  }

  private record Slot(long inode, long cookie) {}

  private static final class BlobInfo {
    long refs;
    Instant unreferencedSince;
  }

  @Override
  public InodeAttributes initRoot(NewInode spec) throws FsException {
    synchronized (lock) {
      open();
      Node root = inodes.get(InodeId.ROOT.value());
      if (root == null) {
        if (spec.type() != InodeType.DIRECTORY) {
          throw new FsException(FsError.INVALID, "the root must be a directory");
        }
        root = new Node(InodeId.ROOT.value(), spec, InodeId.ROOT.value());
        inodes.put(root.id, root);
      }
      return root.attrs();
    }
  }

  @Override
  public InodeAttributes getAttributes(InodeId inode) throws FsException {
    synchronized (lock) {
      return node(inode).attrs();
    }
  }

  @Override
  public Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException {
    synchronized (lock) {
      Node dir = dir(parent);
      Slot s = dir.byName.get(name);
      if (s == null) {
        return Optional.empty();
      }
      return Optional.of(new DirEntry(parent, name, InodeId.of(s.inode), inodes.get(s.inode).type, s.cookie));
    }
  }

  @Override
  public InodeId parentOf(InodeId directory) throws FsException {
    synchronized (lock) {
      return InodeId.of(dir(directory).parent);
    }
  }

  @Override
  public List<DirEntry> readDir(InodeId directory, long afterCookie, int limit) throws FsException {
    synchronized (lock) {
      Node dir = dir(directory);
      List<DirEntry> out = new ArrayList<>();
      for (Map.Entry<Long, Name> e : dir.byCookie.tailMap(afterCookie, false).entrySet()) {
        if (out.size() >= limit) {
          break;
        }
        Slot s = dir.byName.get(e.getValue());
        out.add(new DirEntry(directory, e.getValue(), InodeId.of(s.inode), inodes.get(s.inode).type, s.cookie));
      }
      return out;
    }
  }

  @Override
  public InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException {
    return createEntry(parent, name, spec).created();
  }

  @Override
  public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
    synchronized (lock) {
      Node dir = dir(parent);
      if (dir.nlink == 0) {
        throw new FsException(FsError.NOT_FOUND, "directory " + parent + " was removed");
      }
      requireAbsent(dir, name);
      Node n = new Node(nextInode++, spec, dir.id);
      inodes.put(n.id, n);
      addEntry(dir, name, n.id);
      if (n.isDir()) {
        dir.nlink++;
      }
      dir.mtime = spec.time();
      dir.ctime = spec.time();
      return new CreateResult(n.attrs(), dir.attrs());
    }
  }

  @Override
  public String readSymlink(InodeId inode) throws FsException {
    synchronized (lock) {
      Node n = node(inode);
      if (n.type != InodeType.SYMLINK) {
        throw new FsException(FsError.INVALID, inode + " is not a symbolic link");
      }
      return n.symlinkTarget;
    }
  }

  @Override
  public InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException {
    synchronized (lock) {
      Node n = node(inode);
      if (n.isDir()) {
        throw new FsException(FsError.NOT_PERMITTED, "cannot hard-link a directory");
      }
      Node dir = dir(parent);
      if (dir.nlink == 0) {
        throw new FsException(FsError.NOT_FOUND, "directory " + parent + " was removed");
      }
      if (n.nlink == 0) {
        throw new FsException(FsError.NOT_FOUND, inode + " was unlinked");
      }
      requireAbsent(dir, name);
      addEntry(dir, name, n.id);
      n.nlink++;
      n.ctime = now;
      dir.mtime = now;
      dir.ctime = now;
      return n.attrs();
    }
  }

  @Override
  public InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException {
    synchronized (lock) {
      Node dir = dir(parent);
      Slot s = dir.byName.get(name);
      if (s == null) {
        throw new FsException(FsError.NOT_FOUND, "no entry '" + name + "' in " + parent);
      }
      Node n = inodes.get(s.inode);
      if (directory) {
        if (!n.isDir()) {
          throw new FsException(FsError.NOT_DIRECTORY, "'" + name + "' is not a directory");
        }
        if (!n.byName.isEmpty()) {
          throw new FsException(FsError.NOT_EMPTY, "directory '" + name + "' is not empty");
        }
      } else if (n.isDir()) {
        throw new FsException(FsError.IS_DIRECTORY, "'" + name + "' is a directory");
      }
      removeEntry(dir, name);
      dropLink(dir, n, now);
      dir.mtime = now;
      dir.ctime = now;
      return n.attrs();
    }
  }

  /** Both steps under the one lock: no link can come between the unlink and the purge. */
  @Override
  public UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan)
      throws FsException {
    synchronized (lock) {
      InodeAttributes a = unlink(parent, name, directory, now);
      InodeAttributes dir = dir(parent).attrs();
      if (purgeIfOrphan == null || a.nlink() != 0 || !a.id().equals(purgeIfOrphan)) {
        return new UnlinkResult(a, false, List.of(), dir);
      }
      return new UnlinkResult(a, true, purge(a.id()).unreferenced(), dir);
    }
  }

  @Override
  public RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags,
      Instant now) throws FsException {
    synchronized (lock) {
      Node from = dir(parent);
      Node to = dir(newParent);
      Slot src = from.byName.get(name);
      if (src == null) {
        throw new FsException(FsError.NOT_FOUND, "no entry '" + name + "' in " + parent);
      }
      if (to.nlink == 0) {
        throw new FsException(FsError.NOT_FOUND, "directory " + newParent + " was removed");
      }
      Node moved = inodes.get(src.inode);
      Slot dst = to.byName.get(newName);
      Node target = dst == null ? null : inodes.get(dst.inode);
      if (flags == RenameFlags.EXCHANGE) {
        if (target == null) {
          throw new FsException(FsError.NOT_FOUND, "no entry '" + newName + "' to exchange with");
        }
        if (moved == target) {
          return new RenameResult(moved.attrs(), null);
        }
        if (moved.isDir() && isAncestorOrSelf(moved.id, to.id) || target.isDir() && isAncestorOrSelf(target.id, from.id)) {
          throw new FsException(FsError.INVALID, "cannot move a directory into its own subtree");
        }
        from.byName.put(name, new Slot(target.id, src.cookie));
        to.byName.put(newName, new Slot(moved.id, dst.cookie));
        if (from != to) {
          if (moved.isDir()) {
            moved.parent = to.id;
            from.nlink--;
            to.nlink++;
          }
          if (target.isDir()) {
            target.parent = from.id;
            to.nlink--;
            from.nlink++;
          }
        }
        moved.ctime = now;
        target.ctime = now;
        touchDirs(from, to, now);
        return new RenameResult(moved.attrs(), null);
      }
      if (target != null) {
        if (flags == RenameFlags.NOREPLACE) {
          throw new FsException(FsError.EXISTS, "'" + newName + "' exists");
        }
        if (moved == target) {
          return new RenameResult(moved.attrs(), null);
        }
        if (moved.isDir() && !target.isDir()) {
          throw new FsException(FsError.NOT_DIRECTORY, "cannot replace non-directory '" + newName + "' with a directory");
        }
        if (!moved.isDir() && target.isDir()) {
          throw new FsException(FsError.IS_DIRECTORY, "cannot replace directory '" + newName + "' with a non-directory");
        }
        if (target.isDir() && !target.byName.isEmpty()) {
          throw new FsException(FsError.NOT_EMPTY, "directory '" + newName + "' is not empty");
        }
      }
      if (moved.isDir() && isAncestorOrSelf(moved.id, to.id)) {
        throw new FsException(FsError.INVALID, "cannot move a directory into its own subtree");
      }
      InodeAttributes replaced = null;
      if (target != null) {
        removeEntry(to, newName);
        dropLink(to, target, now);
        replaced = target.attrs();
      }
      removeEntry(from, name);
      addEntry(to, newName, moved.id);
      if (moved.isDir() && from != to) {
        moved.parent = to.id;
        from.nlink--;
        to.nlink++;
      }
      moved.ctime = now;
      touchDirs(from, to, now);
      return new RenameResult(moved.attrs(), replaced);
    }
  }

  @Override
  public InodeAttributes setAttributes(InodeId inode, AttrUpdate u) throws FsException {
    synchronized (lock) {
      Node n = node(inode);
      if (u.mode() != null) {
        n.mode = u.mode() & InodeAttributes.PERMISSION_BITS;
      }
      if (u.uid() != null) {
        n.uid = u.uid();
      }
      if (u.gid() != null) {
        n.gid = u.gid();
      }
      if (u.atime() != null) {
        n.atime = u.atime();
      }
      if (u.mtime() != null) {
        n.mtime = u.mtime();
      }
      if (u.ctime() != null) {
        n.ctime = u.ctime();
      }
      return n.attrs();
    }
  }

  @Override
  public List<ChunkRef> chunks(InodeId inode) throws FsException {
    synchronized (lock) {
      return List.copyOf(node(inode).chunks.values());
    }
  }

  @Override
  public CommitResult commitContent(ContentCommit c) throws FsException {
    synchronized (lock) {
      Node n = node(c.inode());
      if (n.type == InodeType.DIRECTORY) {
        throw new FsException(FsError.IS_DIRECTORY, c.inode() + " is a directory");
      }
      if (n.type != InodeType.FILE) {
        throw new FsException(FsError.INVALID, c.inode() + " is not a regular file");
      }
      if (n.version != c.expectedVersion()) {
        throw new FsException(FsError.STALE,
            c.inode() + " is at version " + n.version + ", not " + c.expectedVersion());
      }
      Instant now = clock.instant();
      List<BlobRef> unreferenced = new ArrayList<>();
      for (ChunkRef up : c.upserts()) {
        addRef(up.blob());
      }
      for (ChunkRef old : List.copyOf(n.chunks.tailMap(c.dropFromIndex(), true).values())) {
        n.chunks.remove(old.index());
        dropRef(old.blob(), now, unreferenced);
      }
      for (ChunkRef up : c.upserts()) {
        ChunkRef old = n.chunks.put(up.index(), up);
        if (old != null) {
          dropRef(old.blob(), now, unreferenced);
        }
      }
      n.size = c.newSize();
      n.mtime = c.mtime();
      n.ctime = c.mtime().isAfter(n.ctime) ? c.mtime() : n.ctime; // never back in time, as the SQL store
      n.version++;
      if (c.journalId() != 0) {
        journal.remove(c.journalId());
      }
      if (c.mark() != null) {
        marks.computeIfAbsent(c.mark().owner(), k -> new java.util.TreeSet<>()).add(c.mark().seq());
      }
      return new CommitResult(n.attrs(), unreferenced);
    }
  }

  @Override
  public List<Long> commitMarks(String owner) throws FsException {
    synchronized (lock) {
      open();
      return List.copyOf(marks.getOrDefault(owner, new java.util.TreeSet<>()));
    }
  }

  @Override
  public void clearCommitMarks(String owner, long upToSeq) throws FsException {
    synchronized (lock) {
      open();
      java.util.TreeSet<Long> m = marks.get(owner);
      if (m != null) {
        m.headSet(upToSeq, true).clear();
      }
    }
  }

  @Override
  public void noteUnreferenced(java.util.Collection<BlobRef> refs, Instant now) throws FsException {
    synchronized (lock) {
      open();
      for (BlobRef ref : refs) {
        BlobInfo b = blobs.computeIfAbsent(ref.value(), k -> new BlobInfo());
        if (b.refs == 0 && b.unreferencedSince == null) {
          b.unreferencedSince = now;
        }
      }
    }
  }

  @Override
  public String filesystemId() throws FsException {
    synchronized (lock) {
      open();
      if (filesystemId == null) {
        filesystemId = java.util.UUID.randomUUID().toString();
      }
      return filesystemId;
    }
  }

  @Override
  public CommitResult purge(InodeId inode) throws FsException {
    synchronized (lock) {
      Node n = inodes.get(inode.value());
      if (n == null) {
        return new CommitResult(null, List.of());
      }
      if (n.nlink > 0) {
        throw new FsException(FsError.BUSY, inode + " still has " + n.nlink + " links");
      }
      Instant now = clock.instant();
      List<BlobRef> unreferenced = new ArrayList<>();
      for (ChunkRef c : n.chunks.values()) {
        dropRef(c.blob(), now, unreferenced);
      }
      inodes.remove(n.id);
      return new CommitResult(null, unreferenced);
    }
  }

  @Override
  public List<InodeId> orphans() throws FsException {
    synchronized (lock) {
      open();
      List<InodeId> out = new ArrayList<>();
      for (Node n : inodes.values()) {
        if (n.nlink == 0) {
          out.add(InodeId.of(n.id));
        }
      }
      return out;
    }
  }

  @Override
  public List<BlobRef> takeReleasableBlobs(Instant unreferencedBefore, int limit) throws FsException {
    synchronized (lock) {
      open();
      List<BlobRef> out = new ArrayList<>();
      var it = blobs.entrySet().iterator();
      while (it.hasNext() && out.size() < limit) {
        var e = it.next();
        BlobInfo b = e.getValue();
        if (b.refs == 0 && !b.unreferencedSince.isAfter(unreferencedBefore)) {
          out.add(BlobRef.of(e.getKey()));
          it.remove();
        }
      }
      return out;
    }
  }

  @Override
  public List<BlobRef> takeUnreferenced(java.util.Collection<BlobRef> refs) throws FsException {
    synchronized (lock) {
      open();
      List<BlobRef> out = new ArrayList<>();
      for (BlobRef ref : new java.util.LinkedHashSet<>(refs)) {
        BlobInfo b = blobs.get(ref.value());
        if (b != null && b.refs == 0) {
          blobs.remove(ref.value());
          out.add(ref);
        }
      }
      return out;
    }
  }

  @Override
  public List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException {
    synchronized (lock) {
      open();
      var view = afterRef == null ? blobs : blobs.tailMap(afterRef, false);
      List<BlobRef> out = new ArrayList<>();
      for (var e : view.entrySet()) {
        if (out.size() >= limit) {
          break;
        }
        if (e.getValue().refs > 0) {
          out.add(BlobRef.of(e.getKey()));
        }
      }
      return out;
    }
  }

  @Override
  public Optional<byte[]> getXattr(InodeId inode, String name) throws FsException {
    synchronized (lock) {
      byte[] v = node(inode).xattrs.get(name);
      return v == null ? Optional.empty() : Optional.of(v.clone());
    }
  }

  @Override
  public void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException {
    synchronized (lock) {
      Node n = node(inode);
      boolean exists = n.xattrs.containsKey(name);
      if (mode == XattrMode.CREATE && exists) {
        throw new FsException(FsError.EXISTS, "extended attribute " + name + " exists");
      }
      if (mode == XattrMode.REPLACE && !exists) {
        throw new FsException(FsError.NO_DATA, "no extended attribute " + name);
      }
      n.xattrs.put(name, value.clone());
      n.ctime = now;
    }
  }

  @Override
  public List<String> listXattr(InodeId inode) throws FsException {
    synchronized (lock) {
      return List.copyOf(node(inode).xattrs.keySet());
    }
  }

  @Override
  public void removeXattr(InodeId inode, String name, Instant now) throws FsException {
    synchronized (lock) {
      Node n = node(inode);
      if (n.xattrs.remove(name) == null) {
        throw new FsException(FsError.NO_DATA, "no extended attribute " + name);
      }
      n.ctime = now;
    }
  }

  @Override
  public JournalEntry journalAppend(JournalEntry entry) throws FsException {
    synchronized (lock) {
      open();
      JournalEntry stored = entry.withId(nextJournalId++);
      journal.put(stored.id(), stored);
      return stored;
    }
  }

  @Override
  public List<JournalEntry> journal(String owner) throws FsException {
    synchronized (lock) {
      open();
      List<JournalEntry> out = new ArrayList<>();
      for (JournalEntry e : journal.values()) {
        if (e.owner().equals(owner)) {
          out.add(e);
        }
      }
      return out;
    }
  }

  @Override
  public void journalRemove(long id) throws FsException {
    synchronized (lock) {
      open();
      journal.remove(id);
    }
  }

  @Override
  public StoreStats stats() throws FsException {
    synchronized (lock) {
      open();
      long bytes = 0;
      for (Node n : inodes.values()) {
        if (n.type == InodeType.FILE) {
          bytes += n.size;
        }
      }
      return new StoreStats(inodes.size(), bytes);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      closed = true;
    }
  }

  // ---- helpers, all called with the lock held

  private void open() throws FsException {
    if (closed) {
      throw new FsException(FsError.IO, "the in-memory metadata store is closed");
    }
  }

  private Node node(InodeId id) throws FsException {
    open();
    Node n = inodes.get(id.value());
    if (n == null) {
      throw new FsException(FsError.NOT_FOUND, "no inode " + id);
    }
    return n;
  }

  private Node dir(InodeId id) throws FsException {
    Node n = node(id);
    if (!n.isDir()) {
      throw new FsException(FsError.NOT_DIRECTORY, id + " is not a directory");
    }
    return n;
  }

  private static void requireAbsent(Node dir, Name name) throws FsException {
    if (dir.byName.containsKey(name)) {
      throw new FsException(FsError.EXISTS, "'" + name + "' exists");
    }
  }

  private static void addEntry(Node dir, Name name, long inode) {
    long cookie = dir.nextCookie++;
    dir.byName.put(name, new Slot(inode, cookie));
    dir.byCookie.put(cookie, name);
    dir.size = dir.byName.size();
  }

  private static void removeEntry(Node dir, Name name) {
    Slot s = dir.byName.remove(name);
    dir.byCookie.remove(s.cookie);
    dir.size = dir.byName.size();
  }

  private static void dropLink(Node parent, Node n, Instant now) {
    if (n.isDir()) {
      n.nlink = 0;
      parent.nlink--;
    } else {
      n.nlink--;
    }
    n.ctime = now;
  }

  private static void touchDirs(Node from, Node to, Instant now) {
    from.mtime = now;
    from.ctime = now;
    to.mtime = now;
    to.ctime = now;
  }

  /** Whether {@code ancestor} is {@code id} or one of its ancestors. */
  private boolean isAncestorOrSelf(long ancestor, long id) {
    long cur = id;
    while (true) {
      if (cur == ancestor) {
        return true;
      }
      Node n = inodes.get(cur);
      if (n == null || n.parent == cur) {
        return false;
      }
      cur = n.parent;
    }
  }

  private void addRef(BlobRef ref) {
    BlobInfo b = blobs.computeIfAbsent(ref.value(), k -> new BlobInfo());
    b.refs++;
    b.unreferencedSince = null;
  }

  private void dropRef(BlobRef ref, Instant now, List<BlobRef> unreferenced) {
    BlobInfo b = blobs.get(ref.value());
    if (b == null) {
      return;
    }
    if (--b.refs <= 0) {
      b.refs = 0;
      b.unreferencedSince = now;
      unreferenced.add(ref);
    }
  }
}
