package org.truckeefs.api;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A tiny single-threaded tree of directories, empty files and symbolic links, enough to test path resolution.
 * Content, xattrs and permissions are out of scope: the FileSystem suites in the testkit cover those on real
 * implementations.
 */
final class NamespaceOnlyFs implements FileSystem {
  private record Node(InodeAttributes attrs, TreeMap<Name, Long> children, String target, Long parent) {}

  private final Map<Long, Node> nodes = new HashMap<>();
  private final Map<Long, Long> handles = new HashMap<>();
  private long next = 2;
  int lookups;

  NamespaceOnlyFs() {
    nodes.put(1L, new Node(attrs(1, InodeType.DIRECTORY, 0755, 2), new TreeMap<>(), null, 1L));
  }

  private static InodeAttributes attrs(long id, InodeType type, int mode, long nlink) {
    Instant t = Instant.EPOCH;
    return new InodeAttributes(InodeId.of(id), type, mode, 0, 0, 0, nlink, 0, t, t, t, t, 1);
  }

  private Node node(InodeId id) throws FsException {
    Node n = nodes.get(id.value());
    if (n == null) {
      throw FsException.notFound("no inode " + id);
    }
    return n;
  }

  private Node dir(InodeId id) throws FsException {
    Node n = node(id);
    if (n.children == null) {
      throw new FsException(FsError.NOT_DIRECTORY, "not a directory");
    }
    return n;
  }

  private InodeAttributes add(InodeId parent, Name name, InodeType type, int mode, String target) throws FsException {
    Node p = dir(parent);
    if (p.children.containsKey(name) || name.isDotOrDotDot()) {
      throw FsException.exists(name.toString());
    }
    long id = next++;
    Node n = new Node(attrs(id, type, mode, type == InodeType.DIRECTORY ? 2 : 1),
        type == InodeType.DIRECTORY ? new TreeMap<>() : null, target, parent.value());
    nodes.put(id, n);
    p.children.put(name, id);
    return n.attrs;
  }

  @Override
  public InodeAttributes lookup(Caller caller, InodeId parent, Name name) throws FsException {
    lookups++;
    Node p = dir(parent);
    if (name.isDot()) {
      return p.attrs;
    }
    if (name.isDotDot()) {
      return nodes.get(p.parent).attrs;
    }
    Long id = p.children.get(name);
    if (id == null) {
      throw FsException.notFound(name.toString());
    }
    return nodes.get(id).attrs;
  }

  @Override
  public InodeAttributes getattr(InodeId inode) throws FsException {
    return node(inode).attrs;
  }

  @Override
  public InodeAttributes setattr(Caller caller, InodeId inode, SetAttr changes, long handle) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "setattr");
  }

  @Override
  public InodeAttributes mkdir(Caller caller, InodeId parent, Name name, int mode) throws FsException {
    return add(parent, name, InodeType.DIRECTORY, mode, null);
  }

  @Override
  public void rmdir(Caller caller, InodeId parent, Name name) throws FsException {
    Node p = dir(parent);
    Long id = p.children.get(name);
    if (id == null) {
      throw FsException.notFound(name.toString());
    }
    Node n = nodes.get(id);
    if (n.children == null) {
      throw new FsException(FsError.NOT_DIRECTORY, name.toString());
    }
    if (!n.children.isEmpty()) {
      throw new FsException(FsError.NOT_EMPTY, name.toString());
    }
    p.children.remove(name);
    nodes.remove(id);
  }

  @Override
  public InodeAttributes mknod(Caller caller, InodeId parent, Name name, int mode, long rdev) throws FsException {
    return add(parent, name, InodeType.fromMode(mode), mode & 07777, null);
  }

  @Override
  public InodeAttributes symlink(Caller caller, InodeId parent, Name name, String target) throws FsException {
    return add(parent, name, InodeType.SYMLINK, 0777, target);
  }

  @Override
  public String readlink(Caller caller, InodeId inode) throws FsException {
    Node n = node(inode);
    if (n.target == null) {
      throw new FsException(FsError.INVALID, "not a symbolic link");
    }
    return n.target;
  }

  @Override
  public InodeAttributes link(Caller caller, InodeId inode, InodeId newParent, Name newName) throws FsException {
    Node p = dir(newParent);
    if (p.children.containsKey(newName)) {
      throw FsException.exists(newName.toString());
    }
    p.children.put(newName, inode.value());
    return node(inode).attrs;
  }

  @Override
  public void unlink(Caller caller, InodeId parent, Name name) throws FsException {
    Node p = dir(parent);
    Long id = p.children.get(name);
    if (id == null) {
      throw FsException.notFound(name.toString());
    }
    if (nodes.get(id).children != null) {
      throw new FsException(FsError.IS_DIRECTORY, name.toString());
    }
    p.children.remove(name);
  }

  @Override
  public void rename(Caller caller, InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags)
      throws FsException {
    Node p = dir(parent);
    Long id = p.children.get(name);
    if (id == null) {
      throw FsException.notFound(name.toString());
    }
    Node q = dir(newParent);
    if (flags == RenameFlags.NOREPLACE && q.children.containsKey(newName)) {
      throw FsException.exists(newName.toString());
    }
    p.children.remove(name);
    q.children.put(newName, id);
  }

  @Override
  public OpenResult create(Caller caller, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException {
    InodeAttributes a = add(parent, name, InodeType.FILE, mode, null);
    return open(caller, a.id(), flags);
  }

  @Override
  public OpenResult open(Caller caller, InodeId inode, OpenFlags flags) throws FsException {
    long h = next++;
    handles.put(h, inode.value());
    return new OpenResult(h, node(inode).attrs, false);
  }

  @Override
  public int read(long handle, long offset, ByteBuffer dst) {
    return 0;
  }

  @Override
  public int write(long handle, long offset, ByteBuffer src) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "write");
  }

  @Override
  public void flush(long handle) {}

  @Override
  public void fsync(long handle, boolean dataOnly) {}

  @Override
  public void release(long handle) throws FsException {
    if (handles.remove(handle) == null) {
      throw new FsException(FsError.BAD_HANDLE, "unknown handle");
    }
  }

  @Override
  public long opendir(Caller caller, InodeId inode) throws FsException {
    dir(inode);
    long h = next++;
    handles.put(h, inode.value());
    return h;
  }

  @Override
  public DirListing readdir(long dirHandle, long cookie, int max) throws FsException {
    InodeId dirId = InodeId.of(handles.get(dirHandle));
    List<DirEntry> out = new ArrayList<>();
    long c = 0;
    for (Map.Entry<Name, Long> e : dir(dirId).children.entrySet()) {
      c++;
      if (c > cookie && out.size() < max) {
        out.add(new DirEntry(dirId, e.getKey(), InodeId.of(e.getValue()), nodes.get(e.getValue()).attrs.type(), c));
      }
    }
    return new DirListing(out, c <= cookie + out.size());
  }

  @Override
  public void releasedir(long dirHandle) throws FsException {
    release(dirHandle);
  }

  @Override
  public StatFs statfs() {
    return new StatFs(4096, 1, 1, 1, 1, 1, 255);
  }

  @Override
  public void access(Caller caller, InodeId inode, int mask) {}

  @Override
  public byte[] getxattr(Caller caller, InodeId inode, String name) throws FsException {
    throw new FsException(FsError.NO_DATA, name);
  }

  @Override
  public void setxattr(Caller caller, InodeId inode, String name, byte[] value, XattrMode mode) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "setxattr");
  }

  @Override
  public List<String> listxattr(Caller caller, InodeId inode) {
    return List.of();
  }

  @Override
  public void removexattr(Caller caller, InodeId inode, String name) throws FsException {
    throw new FsException(FsError.NO_DATA, name);
  }

  int openHandles() {
    return handles.size();
  }

  @Override
  public void close() {}
}
