package org.truckeefs.api;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A POSIX filesystem addressed by inode, the shape of the FUSE low-level API. Every method either succeeds or
 * throws {@link FsException} with the errno that Linux would give, and changes nothing when it throws.
 *
 * <p>Names are single components ({@link Name}); paths are resolved by {@link PathFileSystem}. Permission
 * checks use the {@link Caller}. Operations on an open file go by handle, so a file unlinked while open stays
 * readable and writable through its handles until the last {@link #release}.
 *
 * <p>Implementations are thread-safe.
 */
public interface FileSystem extends AutoCloseable {

  /** The root directory's inode. */
  default InodeId root() {
    return InodeId.ROOT;
  }

  /** The inode named {@code name} in {@code parent}; {@code .} and {@code ..} included. Needs search (x) on parent. */
  InodeAttributes lookup(Caller caller, InodeId parent, Name name) throws FsException;

  /** Current attributes; for an open file with unflushed writes, its current size and times. */
  InodeAttributes getattr(InodeId inode) throws FsException;

  /**
   * chmod, chown, truncate and utimens in one call, with Linux's permission rules. {@code handle} is the open
   * file an {@code ftruncate}/{@code futimens} came through, or -1.
   */
  InodeAttributes setattr(Caller caller, InodeId inode, SetAttr changes, long handle) throws FsException;

  InodeAttributes mkdir(Caller caller, InodeId parent, Name name, int mode) throws FsException;

  void rmdir(Caller caller, InodeId parent, Name name) throws FsException;

  /** Creates a regular file, FIFO, socket or device node. {@code mode} carries the type bits (S_IFMT). */
  InodeAttributes mknod(Caller caller, InodeId parent, Name name, int mode, long rdev) throws FsException;

  InodeAttributes symlink(Caller caller, InodeId parent, Name name, String target) throws FsException;

  String readlink(Caller caller, InodeId inode) throws FsException;

  /** A new hard link {@code newName} in {@code newParent} to the existing non-directory {@code inode}. */
  InodeAttributes link(Caller caller, InodeId inode, InodeId newParent, Name newName) throws FsException;

  void unlink(Caller caller, InodeId parent, Name name) throws FsException;

  /** Atomic rename, with {@code renameat2} flags. */
  void rename(Caller caller, InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags)
      throws FsException;

  /** {@code open(O_CREAT)} of a new or existing regular file; {@code mode} holds permission bits only. */
  OpenResult create(Caller caller, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException;

  OpenResult open(Caller caller, InodeId inode, OpenFlags flags) throws FsException;

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset}; fewer only at end of file. Holes read as zeros.
   *
   * @return the number of bytes read; 0 at or past end of file
   */
  int read(long handle, long offset, ByteBuffer dst) throws FsException;

  /** Writes all of {@code src} at {@code offset} (at end of file for an O_APPEND handle); returns the count. */
  int write(long handle, long offset, ByteBuffer src) throws FsException;

  /** Called on every {@code close(2)} of a descriptor; makes written data durable (write-back may follow). */
  void flush(long handle) throws FsException;

  /**
   * {@code flush} as FUSE sends it on every {@code close(2)}, with the closing process's lock owner: POSIX says a
   * process's record locks on a file go away when it closes any descriptor of that file.
   */
  default void flush(long handle, long lockOwner) throws FsException {
    flush(handle);
  }

  /** Returns when the handle's data is stored in the blob store and committed to metadata. */
  void fsync(long handle, boolean dataOnly) throws FsException;

  /** The last close of a handle. After it the handle is invalid (EBADF). */
  void release(long handle) throws FsException;

  /** Opens a directory for listing; needs read permission. */
  long opendir(Caller caller, InodeId inode) throws FsException;

  /**
   * Entries after {@code cookie} (0 = from the start, including {@code .} and {@code ..}), at most {@code max}.
   * Cookies stay valid while the directory changes: an entry present for the whole listing appears exactly once.
   */
  DirListing readdir(long dirHandle, long cookie, int max) throws FsException;

  void releasedir(long dirHandle) throws FsException;

  StatFs statfs() throws FsException;

  /** {@code access(2)}: {@code mask} of R_OK=4, W_OK=2, X_OK=1, or F_OK=0. */
  void access(Caller caller, InodeId inode, int mask) throws FsException;

  byte[] getxattr(Caller caller, InodeId inode, String name) throws FsException;

  void setxattr(Caller caller, InodeId inode, String name, byte[] value, XattrMode mode) throws FsException;

  List<String> listxattr(Caller caller, InodeId inode) throws FsException;

  void removexattr(Caller caller, InodeId inode, String name) throws FsException;

  /**
   * {@code flock(2)} on an open file. {@code owner} identifies the open file description (FUSE's lock_owner).
   */
  default void flock(long handle, long owner, LockRange.Type type, boolean wait) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "flock is not supported by this filesystem");
  }

  /** {@code fcntl(F_GETLK)}: the first lock that would conflict with {@code range}, or null. */
  default LockRange getlk(long handle, long owner, LockRange range) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "POSIX locks are not supported by this filesystem");
  }

  /** {@code fcntl(F_SETLK/F_SETLKW)}; UNLOCK releases. {@code wait} blocks until granted (F_SETLKW). */
  default void setlk(long handle, long owner, LockRange range, boolean wait) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "POSIX locks are not supported by this filesystem");
  }

  /** Flushes all dirty data, stops background work and closes the backends. */
  @Override
  void close() throws FsException;
}
