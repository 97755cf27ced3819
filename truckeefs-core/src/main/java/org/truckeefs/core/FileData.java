package org.truckeefs.core;

import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.SetAttr;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.MetadataStore;

/**
 * Files by handle: create and open (close-to-open revalidation, O_TRUNC), read, write (setuid/setgid dropped on a
 * non-root writer's first write, the dirty-data limit, a full disk remembered for the next close), flush, fsync,
 * release, fallocate, and setattr (whose truncate is a data change). The rules come from {@link Namespace} and
 * {@link SetAttrRules}; the data goes through the shared {@link OpenFile}, and to the blob store through
 * {@link WriteBack}.
 *
 * <p>Locking: none of its own (see {@link OpenFile} and {@link OpenFiles}).
 */
final class FileData {
  /**
   * How far from where the handle's reads reached a read may start and still count as sequential: the kernel's
   * read-ahead sends several READs at once (four of 1 MiB in flight were seen), and they arrive in any order.
   */
  static final long SEQUENTIAL_SLACK = 8L << 20;

  private final MetadataStore meta;
  private final Namespace namespace;
  private final HandleTable handles;
  private final OpenFiles files;
  private final FileLifecycle lifecycle;
  private final WriteBack writeBack;
  private final PosixLocks locks;
  private final Namespace.Changes changes;
  private final Clock clock;
  private final Durability durability;

  FileData(MetadataStore meta, Namespace namespace, HandleTable handles, OpenFiles files, FileLifecycle lifecycle,
      WriteBack writeBack, PosixLocks locks, Durability durability, Namespace.Changes changes, Clock clock) {
    this.meta = meta;
    this.durability = durability;
    this.namespace = namespace;
    this.handles = handles;
    this.files = files;
    this.lifecycle = lifecycle;
    this.writeBack = writeBack;
    this.locks = locks;
    this.changes = changes;
    this.clock = clock;
  }

  InodeAttributes setattr(Caller caller, InodeId inode, SetAttr c, long handle) throws FsException {
    InodeAttributes a = namespace.getattr(inode);
    if (c.isEmpty()) {
      return a; // nothing to change: ctime stays, as for an empty chattr (and as after the kernel's ctime flush)
    }
    FileHandle fh = handles.fileOf(handle, inode);
    Instant now = clock.instant();
    SetAttrRules.Plan plan = SetAttrRules.decide(caller, a, c, fh == null ? null : fh.flags, now, RiverFS.MAX_FILE_SIZE);
    Integer mode = plan.mode();
    Integer uid = plan.uid();
    Integer gid = plan.gid();
    Instant atime = plan.atime();
    Instant mtime = plan.mtime();
    // all checks passed: apply
    // a truncate without a handle holds the open file until its attributes are overlaid: released earlier, its
    // upload could commit and drop it, and the attributes read before that commit would be returned stale
    OpenFile held = c.size() != null && fh == null ? lifecycle.acquire(inode) : null;
    try {
      if (c.size() != null) {
        OpenFile f = fh != null ? fh.file : held;
        f.truncate(c.size());
        writeBack.closed(f);
      }
      OpenFile f = files.get(inode);
      if (mtime != null && f != null) {
        if (SetAttrRules.isTimeFlush(c, mtime) && f.deferTimes(mtime)) {
          // The kernel's write-back cache flushing the times of a write whose data is not sealed yet: the seal
          // takes them and the data's commit stores them as mtime and ctime, so no transaction of its own (and
          // none to correct it). ctime then is the kernel's, which is what the mount showed all along.
          return a.withTimes(a.atime(), mtime, mtime);
        }
        f.overrideMtime(mtime);
      }
      InodeAttributes after = meta.setAttributes(inode, new AttrUpdate(mode, uid, gid, atime, mtime, now));
      changes.publish(c.size() != null ? new FsChange[] {Namespace.attrs(inode), new FsChange.Content(inode, false)}
          : new FsChange[] {Namespace.attrs(inode)});
      return f == null ? after : f.overlay(after);
    } finally {
      namespace.changed(inode); // even on failure: the store may have applied it
      if (held != null) {
        lifecycle.release(held);
      }
    }
  }

  OpenResult create(Caller caller, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException {
    long claims = lifecycle.claimStamp();
    Namespace.Created c = namespace.createOrFind(caller, parent, name, mode, flags);
    if (c.existing() != null) {
      return open(caller, c.existing(), flags);
    }
    InodeAttributes a = c.created();
    // the creator may write even if the new mode forbids it (open(O_CREAT|O_RDWR, 0444) works)
    OpenFile f = lifecycle.acquire(a.id(), a, claims);
    return new OpenResult(handles.openFile(f, a.id(), flags, caller), f.overlay(a), false);
  }

  OpenResult open(Caller caller, InodeId inode, OpenFlags flags) throws FsException {
    InodeAttributes a = namespace.getattrFresh(inode);
    if (!Namespace.checkOpen(caller, a, flags)) {
      return new OpenResult(handles.openFile(null, inode, flags, caller), a, true);
    }
    boolean wasOpen = files.contains(inode);
    OpenFile f = lifecycle.acquire(inode);
    try {
      // close-to-open: what another host committed since this host loaded the file becomes visible now
      boolean refreshed = writeBack.revalidate(f, a.version());
      boolean truncated = false;
      if (flags.truncate() && flags.canWrite()) {
        f.truncate(0);
        truncated = true;
        if (!caller.isRoot() && Access.killPriv(a.mode()) != a.mode()) {
          meta.setAttributes(inode, new AttrUpdate(Access.killPriv(a.mode()), null, null, null, null, null));
        }
      }
      long h = handles.openFile(f, inode, flags, caller);
      return new OpenResult(h, namespace.getattr(inode), wasOpen && !truncated && !refreshed);
    } catch (FsException | RuntimeException e) {
      lifecycle.release(f);
      throw e;
    }
  }

  int read(long handle, long offset, ByteBuffer dst) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file == null) {
      throw new FsException(FsError.IS_DIRECTORY, h.inode + " is a directory");
    }
    if (!h.flags.canRead() && !h.flags.readback()) {
      throw new FsException(FsError.BAD_HANDLE, "handle " + handle + " is not open for reading");
    }
    if (offset < 0) {
      throw new FsException(FsError.INVALID, "negative offset " + offset);
    }
    long last = h.lastReadEnd;
    int n = h.file.read(offset, dst, offset == 0 || last >= 0 && Math.abs(offset - last) <= SEQUENTIAL_SLACK);
    if (offset + n > last) {
      h.lastReadEnd = offset + n; // racy but monotone enough: a lost update only narrows one read's test
    }
    return n;
  }

  int write(long handle, long offset, ByteBuffer src) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file == null || !h.flags.canWrite()) {
      throw new FsException(FsError.BAD_HANDLE, "handle " + handle + " is not open for writing");
    }
    if (offset < 0) {
      throw new FsException(FsError.INVALID, "negative offset " + offset);
    }
    if (!h.privilegesChecked) {
      // Linux clears setuid (and setgid with group-exec) when a non-root process writes; check once per handle
      h.privilegesChecked = true;
      if (!h.caller.isRoot()) {
        InodeAttributes a = meta.getAttributes(h.inode);
        int killed = Access.killPriv(a.mode());
        if (killed != a.mode()) {
          meta.setAttributes(h.inode, new AttrUpdate(killed, null, null, null, null, null));
        }
      }
    }
    int n = src.remaining();
    writeBack.admit(h.file, n);
    try {
      int written = h.file.write(offset, src, h.flags.append());
      if (written < n) {
        h.lostWrite = true; // a short write: the disk filled up
      }
      return written;
    } catch (FsException e) {
      if (e.error() == FsError.NO_SPACE) {
        h.lostWrite = true;
      }
      throw e;
    }
  }

  void flush(long handle) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file != null) {
      writeBack.closed(h.file);
      if (h.lostWrite) {
        h.lostWrite = false;
        throw new FsException(FsError.NO_SPACE, "a write to " + h.inode + " could not be stored: the disk was full");
      }
    }
  }

  void flush(long handle, long lockOwner) throws FsException {
    flush(handle);
    locks.closedBy(fileHandle(handle), lockOwner);
  }

  void fsync(long handle, boolean dataOnly) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file != null) {
      writeBack.commitNow(h.file);
    }
    // the blobs it names, then the commit itself, must survive a power loss: forced here, not at the upload
    durability.barrier();
  }

  void release(long handle) throws FsException {
    FileHandle h = handles.closeFile(handle);
    locks.released(h);
    if (h.file == null) {
      return;
    }
    try {
      writeBack.closed(h.file);
      if (h.lostWrite) {
        throw new FsException(FsError.NO_SPACE, "a write to " + h.inode + " could not be stored: the disk was full");
      }
    } finally {
      lifecycle.release(h.file);
    }
  }

  void fallocate(long handle, int mode, long offset, long length) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file == null || !h.flags.canWrite()) {
      throw new FsException(FsError.BAD_HANDLE, "handle " + handle + " is not open for writing");
    }
    if (offset < 0 || length <= 0) {
      throw new FsException(FsError.INVALID, "bad fallocate range " + offset + "+" + length);
    }
    if (mode != 0 && mode != FileSystem.FALLOC_FL_KEEP_SIZE) {
      throw new FsException(FsError.NOT_SUPPORTED, "fallocate mode " + mode + " is not supported");
    }
    long end = offset + length;
    if (end < 0 || end > RiverFS.MAX_FILE_SIZE) {
      throw new FsException(FsError.FILE_TOO_BIG, "fallocate past " + RiverFS.MAX_FILE_SIZE);
    }
    // Space is not reserved (the blob store is shared and elastic); mode 0 makes the range part of the file.
    if (mode == 0 && end > h.file.size()) {
      h.file.truncate(end);
      changes.publish(Namespace.attrs(h.inode));
    }
  }

  private FileHandle fileHandle(long handle) throws FsException {
    return handles.file(handle);
  }
}
