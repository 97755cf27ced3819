package org.truckeefs.api;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

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

  /**
   * {@link #readdir} with the attributes of every entry (READDIRPLUS). An entry removed between the listing and the
   * attribute read is left out. The default asks {@link #getattr} per entry; implementations answer in one go.
   */
  default DirListingPlus readdirplus(long dirHandle, long cookie, int max) throws FsException {
    DirListing page = readdir(dirHandle, cookie, max);
    List<DirEntryPlus> out = new ArrayList<>(page.entries().size());
    for (DirEntry e : page.entries()) {
      try {
        out.add(new DirEntryPlus(e, getattr(e.inode())));
      } catch (FsException gone) {
        if (gone.error() != FsError.NOT_FOUND) {
          throw gone;
        }
      }
    }
    return new DirListingPlus(out, page.end());
  }

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

  /** {@code fallocate(2)} mode bit: do not change the file size. */
  int FALLOC_FL_KEEP_SIZE = 0x01;
  /** {@code fallocate(2)} mode bit: deallocate the range (with KEEP_SIZE): it reads as zeros afterwards. */
  int FALLOC_FL_PUNCH_HOLE = 0x02;
  /** {@code fallocate(2)} mode bit: make the range read as zeros. */
  int FALLOC_FL_ZERO_RANGE = 0x10;

  /**
   * {@code fallocate(2)} on an open file: {@code mode} 0 makes {@code [offset, offset + length)} part of the file
   * (growing it when it ends earlier); other modes as the implementation supports them, else EOPNOTSUPP.
   */
  default void fallocate(long handle, int mode, long offset, long length) throws FsException {
    throw new FsException(FsError.NOT_SUPPORTED, "fallocate is not supported by this filesystem");
  }

  /**
   * {@code copy_file_range(2)}: copies up to {@code length} bytes from one open file to another (fewer only at the
   * end of the input) and returns the count. The default reads and writes through a buffer; an implementation may
   * share the data instead of copying it.
   */
  default long copyFileRange(long inHandle, long inOffset, long outHandle, long outOffset, long length)
      throws FsException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(1 << 20, Math.max(1, length)));
    long done = 0;
    while (done < length) {
      buf.clear().limit((int) Math.min(buf.capacity(), length - done));
      int n = read(inHandle, inOffset + done, buf);
      if (n <= 0) {
        break;
      }
      buf.flip();
      write(outHandle, outOffset + done, buf);
      done += n;
    }
    return done;
  }

  /**
   * {@code syncfs(2)}: returns when everything written through this filesystem so far is stored and committed as
   * {@link #fsync} would store it.
   */
  default void syncfs() throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "syncfs is not supported by this filesystem");
  }

  /**
   * Registers {@code listener} for the changes this filesystem commits from now on, this host's
   * ({@link FsChange#remote()} false) and, for a filesystem shared by several hosts, the others'. The listener runs
   * on a thread of the filesystem and must return quickly and not throw. An implementation that reports no changes
   * returns {@link Subscription#NONE}.
   */
  default Subscription watch(Consumer<FsChange> listener) {
    return Subscription.NONE;
  }

  /** Flushes all dirty data, stops background work and closes the backends. */
  @Override
  void close() throws FsException;
}
