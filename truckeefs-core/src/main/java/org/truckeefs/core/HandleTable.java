package org.truckeefs.core;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.Caller;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.OpenFlags;

/**
 * The numbers this filesystem hands out for open files and directories (the FUSE {@code fh}), and what each stands
 * for. Numbers are never reused while the filesystem is open, so a stale number from a buggy caller fails with
 * EBADF instead of reaching another open. Lock-free: one concurrent map, no I/O.
 */
final class HandleTable {
  private sealed interface Handle permits Dir, File {}

  private record Dir(InodeId dir) implements Handle {}

  private record File(FileHandle handle) implements Handle {}

  private final ConcurrentHashMap<Long, Handle> handles = new ConcurrentHashMap<>();
  private final AtomicLong next = new AtomicLong(1);

  /** A new handle for an open of {@code inode}; {@code file} is null for a directory opened with open(). */
  long openFile(OpenFile file, InodeId inode, OpenFlags flags, Caller caller) {
    long h = next.getAndIncrement();
    handles.put(h, new File(new FileHandle(file, inode, flags, caller)));
    return h;
  }

  /** A new handle for an opendir of {@code dir}. */
  long openDir(InodeId dir) {
    long h = next.getAndIncrement();
    handles.put(h, new Dir(dir));
    return h;
  }

  /** The open file behind {@code handle}; EBADF when it is not an open file. */
  FileHandle file(long handle) throws FsException {
    if (handles.get(handle) instanceof File f) {
      return f.handle();
    }
    throw new FsException(FsError.BAD_HANDLE, "no open file " + handle);
  }

  /** The open file behind {@code handle} if it is one of {@code inode}, else null (setattr's optional handle). */
  FileHandle fileOf(long handle, InodeId inode) {
    if (handle >= 0 && handles.get(handle) instanceof File f && f.handle().inode.equals(inode)) {
      return f.handle();
    }
    return null;
  }

  /** The directory behind {@code handle}; EBADF when it is not an open directory. */
  InodeId dir(long handle) throws FsException {
    if (handles.get(handle) instanceof Dir d) {
      return d.dir();
    }
    throw new FsException(FsError.BAD_HANDLE, "no open directory " + handle);
  }

  /** Ends an open file's handle and returns it; EBADF (and nothing removed) when it is not an open file. */
  FileHandle closeFile(long handle) throws FsException {
    Handle h = handles.get(handle);
    if (h instanceof File f && handles.remove(handle, f)) {
      return f.handle();
    }
    throw new FsException(FsError.BAD_HANDLE, "no open file " + handle);
  }

  /** Ends a directory handle; EBADF (and nothing removed) when it is not an open directory. */
  void closeDir(long handle) throws FsException {
    Handle h = handles.get(handle);
    if (!(h instanceof Dir d && handles.remove(handle, d))) {
      throw new FsException(FsError.BAD_HANDLE, "no open directory " + handle);
    }
  }

  /** Open handles of both kinds. */
  int size() {
    return handles.size();
  }
}
