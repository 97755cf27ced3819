package org.truckeefs.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.StatFs;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.api.XattrMode;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Flock;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse (libfuse 2) adapter over a {@link FileSystem}. Every callback is one line through
 * {@link FuseCalls}; paths become inodes through {@link PathResolver}; open files are served by handle
 * ({@code fi.fh}), never by path, so an unlinked open file keeps working under {@code hard_remove}.
 *
 * <p>Use {@link FuseMount} to mount; this class holds no state but the handle-to-inode map that
 * path-less callbacks ({@code fgetattr}, {@code ftruncate} on an unlinked file) need.
 */
public final class TruckeeFuse extends FuseStubFS {
  private static final Logger log = LoggerFactory.getLogger(TruckeeFuse.class);
  /** st_blksize: stdio and cp size their buffers by it; 128 KiB is what one FUSE write carries. */
  static final int IO_BLOCK = 128 * 1024;
  static final long UTIME_NOW = (1L << 30) - 1;
  static final long UTIME_OMIT = (1L << 30) - 2;
  static final int F_GETLK = 5;
  static final int F_SETLK = 6;
  static final int F_SETLKW = 7;
  static final int LOCK_SH = 1;
  static final int LOCK_EX = 2;
  static final int LOCK_NB = 4;
  static final int LOCK_UN = 8;
  private static final long NO_ID = 0xFFFFFFFFL;
  static final int OPERATIONS_SIZE = 38 * 8 + 8 + 6 * 8;
  static final int OPERATION_FLAGS_OFFSET = 38 * 8;
  static final int NULLPATH_OK = 1;
  static final int UTIME_OMIT_OK = 1 << 2;

  private final FileSystem fs;
  private final FuseCalls calls;
  private final PathResolver paths;
  private final CallerGroups groups = new CallerGroups();
  private final Map<Long, InodeId> openInodes = new ConcurrentHashMap<>();
  /** libfuse 2 has no write-back cache, so write-only opens may always bypass the page cache. */
  private final DirectWrites direct = new DirectWrites(true);
  private volatile Runnable onDestroy = () -> {};

  public TruckeeFuse(FileSystem fs, FuseOptions options) {
    this.fs = fs;
    this.calls = new FuseCalls(options.slowCall(), options.meters());
    this.paths = new PathResolver(fs, options.entryTimeout());
    setOperationFlags();
  }

  /**
   * Sets the bit fields of libfuse 2.9's {@code struct fuse_operations} that jnr-fuse declares as padding:
   * {@code flag_nullpath_ok} (calls on an unlinked open file carry a null path; we serve them by handle, which is
   * what makes such a file work under {@code hard_remove}) and {@code flag_utime_omit_ok} (utimens receives UTIME_NOW/UTIME_OMIT; without it libfuse drops a setattr
   * that changes only one of the two times and turns "now" into an explicit time).
   */
  private void setOperationFlags() {
    // 38 function pointers (getattr .. bmap), the flags word, 6 more pointers (ioctl .. fallocate), on x86-64.
    if (Struct.size(fuseOperations) != OPERATIONS_SIZE) {
      throw new IllegalStateException("unexpected struct fuse_operations layout: " + Struct.size(fuseOperations) + " bytes");
    }
    Pointer ops = Struct.getMemory(fuseOperations);
    ops.putInt(OPERATION_FLAGS_OFFSET, ops.getInt(OPERATION_FLAGS_OFFSET) | NULLPATH_OK | UTIME_OMIT_OK);
  }

  /** Called from libfuse's destroy, after the kernel let go of the mount. */
  void onDestroy(Runnable r) {
    this.onDestroy = r;
  }

  /** Whether the filesystem implements byte-range and flock locks (else the kernel keeps them locally). */
  boolean supportsLocks() {
    try {
      fs.getlk(-1, 0, new LockRange(LockRange.Type.READ, 0, 0, 0));
      return true;
    } catch (FsException e) {
      return e.error() != FsError.UNSUPPORTED;
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  protected String getFSName() {
    return "truckeefs";
  }

  // ---- attributes

  @Override
  public int getattr(String path, FileStat stat) {
    return calls.run("getattr", path, () -> fill(stat, paths.attributes(caller(), path)));
  }

  @Override
  public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
    return calls.run("fgetattr", path, () -> fill(stat, fs.getattr(inodeOf(fi, path))));
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return calls.run("chmod", path, () -> setattr(path, SetAttr.chmod((int) mode & InodeAttributes.PERMISSION_BITS)));
  }

  @Override
  public int chown(String path, @uid_t long uid, @gid_t long gid) {
    return calls.run("chown", path, () -> setattr(path, SetAttr.chown(id(uid), id(gid))));
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return calls.run("truncate", path, () -> setattr(path, SetAttr.truncate(size)));
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    return calls.run("ftruncate", path, () -> ok(fs.setattr(caller(), inodeOf(fi, path), SetAttr.truncate(size), fi.fh.get())));
  }

  @Override
  public int utimens(String path, Timespec[] ts) {
    return calls.run("utimens", path, () -> setattr(path, SetAttr.times(time(ts[0]), time(ts[1]))));
  }

  @Override
  public int access(String path, int mask) {
    return calls.run("access", path, () -> { fs.access(caller(), paths.inode(caller(), path), mask); return 0; });
  }

  @Override
  public int statfs(String path, Statvfs st) {
    return calls.run("statfs", path, () -> fill(st, fs.statfs()));
  }

  // ---- namespace

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return calls.run("mkdir", path, () -> { var p = paths.parent(caller(), path); return ok(fs.mkdir(caller(), p.dir(), p.name(), (int) mode & 07777)); });
  }

  @Override
  public int rmdir(String path) {
    return calls.run("rmdir", path, () -> { var p = paths.parent(caller(), path); paths.invalidate(); fs.rmdir(caller(), p.dir(), p.name()); paths.invalidate(); return 0; });
  }

  @Override
  public int mknod(String path, @mode_t long mode, @dev_t long rdev) {
    return calls.run("mknod", path, () -> { var p = paths.parent(caller(), path); return ok(fs.mknod(caller(), p.dir(), p.name(), (int) mode, rdev)); });
  }

  @Override
  public int symlink(String target, String linkPath) {
    return calls.run("symlink", linkPath, () -> { var p = paths.parent(caller(), linkPath); return ok(fs.symlink(caller(), p.dir(), p.name(), target)); });
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    return calls.run("readlink", path, () -> cString(buf, size, fs.readlink(caller(), paths.inode(caller(), path))));
  }

  @Override
  public int link(String existing, String newPath) {
    return calls.run("link", newPath, () -> { var p = paths.parent(caller(), newPath); return ok(fs.link(caller(), paths.inode(caller(), existing), p.dir(), p.name())); });
  }

  @Override
  public int unlink(String path) {
    return calls.run("unlink", path, () -> { var p = paths.parent(caller(), path); fs.unlink(caller(), p.dir(), p.name()); return 0; });
  }

  /** libfuse 2 has no renameat2 flags: RENAME_NOREPLACE/EXCHANGE get EINVAL from the kernel before reaching us. */
  @Override
  public int rename(String from, String to) {
    return calls.run("rename", from, () -> { Caller c = caller(); var a = paths.parent(c, from); var b = paths.parent(c, to); paths.invalidate(); fs.rename(c, a.dir(), a.name(), b.dir(), b.name(), RenameFlags.NONE); paths.invalidate(); return 0; });
  }

  // ---- files

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return calls.run("create", path, () -> { var p = paths.parent(caller(), path); return opened(fi, fs.create(caller(), p.dir(), p.name(), (int) mode & 07777, OpenFlags.of(fi.flags.get()))); });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return calls.run("open", path, () -> opened(fi, fs.open(caller(), paths.inode(caller(), path), OpenFlags.of(fi.flags.get()))));
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return calls.run("read", path, () -> fs.read(fi.fh.get(), offset, direct(buf, size)));
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return calls.run("write", path, () -> fs.write(fi.fh.get(), offset, direct(buf, size)));
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return calls.run("flush", path, () -> {
      long fh = fi.fh.get();
      InodeId id = openInodes.get(fh);
      if (id != null) {
        direct.flushed(id.value(), fh);
      }
      fs.flush(fh, fi.lock_owner.get());
      return 0;
    });
  }

  @Override
  public int fsync(String path, int dataOnly, FuseFileInfo fi) {
    return calls.run("fsync", path, () -> { fs.fsync(fi.fh.get(), dataOnly != 0); return 0; });
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return calls.run("release", path, () -> {
      long fh = fi.fh.get();
      InodeId id = openInodes.remove(fh);
      if (id != null) {
        direct.released(id.value(), fh);
      }
      fs.release(fh);
      return 0;
    });
  }

  // ---- directories

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    return calls.run("opendir", path, () -> { fi.fh.set(fs.opendir(caller(), paths.inode(caller(), path))); return 0; });
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
    return calls.run("readdir", path, () -> fillDir(buf, filler, offset, fi.fh.get()));
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    return calls.run("releasedir", path, () -> { fs.releasedir(fi.fh.get()); return 0; });
  }

  @Override
  public int fsyncdir(String path, FuseFileInfo fi) {
    return calls.run("fsyncdir", path, () -> 0);
  }

  // ---- extended attributes

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    return calls.run("getxattr", path, () -> sized(value, size, fs.getxattr(caller(), paths.inode(caller(), path), name)));
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    return calls.run("listxattr", path, () -> sized(list, size, nulSeparated(fs.listxattr(caller(), paths.inode(caller(), path)))));
  }

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    return calls.run("setxattr", path, () -> { fs.setxattr(caller(), paths.inode(caller(), path), name, bytes(value, size), XattrMode.fromLinux(flags)); return 0; });
  }

  @Override
  public int removexattr(String path, String name) {
    return calls.run("removexattr", path, () -> { fs.removexattr(caller(), paths.inode(caller(), path), name); return 0; });
  }

  // ---- locks

  @Override
  public int lock(String path, FuseFileInfo fi, int cmd, Flock flock) {
    return calls.run("lock", path, () -> posixLock(fi, cmd, flock));
  }

  @Override
  public int flock(String path, FuseFileInfo fi, int op) {
    return calls.run("flock", path, () -> { fs.flock(fi.fh.get(), fi.lock_owner.get(), flockType(op), (op & LOCK_NB) == 0); return 0; });
  }

  // ---- lifecycle

  @Override
  public Pointer init(Pointer conn) {
    log.debug("FUSE session started");
    return null;
  }

  @Override
  public void destroy(Pointer initResult) {
    log.debug("FUSE session ended");
    onDestroy.run();
  }

  // ---- helpers: translation between jnr structs and API values, no filesystem logic

  private Caller caller() {
    FuseContext ctx = getContext();
    int uid = (int) ctx.uid.get();
    long pid = ctx.pid.get();
    return new Caller(uid, (int) ctx.gid.get(), uid == 0 ? new int[0] : groups.of(pid), pid);
  }

  private int setattr(String path, SetAttr change) throws FsException {
    Caller c = caller();
    return ok(fs.setattr(c, paths.inode(c, path), change, -1));
  }

  private InodeId inodeOf(FuseFileInfo fi, String path) throws FsException {
    InodeId id = fi == null ? null : openInodes.get(fi.fh.get());
    return id != null ? id : paths.inode(caller(), path);
  }

  private int opened(FuseFileInfo fi, OpenResult r) {
    fi.fh.set(r.handle());
    openInodes.put(r.handle(), r.attributes().id());
    if (direct.opened(r.attributes().id().value(), r.handle(), fi.flags.get())) {
      FileInfoFlags.directIo(fi);
    } else if (r.keepCache()) {
      FileInfoFlags.keepCache(fi);
    }
    return 0;
  }

  private int fillDir(Pointer buf, FuseFillDir filler, long offset, long dirHandle) throws FsException {
    FileStat st = new FileStat(Runtime.getSystemRuntime());
    Pointer stp = Struct.getMemory(st);
    long cookie = offset;
    while (true) {
      DirListing page = fs.readdir(dirHandle, cookie, 256);
      for (DirEntry e : page.entries()) {
        st.st_ino.set(e.inode().value());
        st.st_mode.set(e.type().modeBits());
        byte[] name = e.name().bytes();
        ByteBuffer z = ByteBuffer.allocate(name.length + 1).put(name).put((byte) 0).flip();
        if (filler.apply(buf, z, stp, e.cookie()) != 0) {
          return 0; // the kernel's buffer is full; it asks again from the last cookie it took
        }
        cookie = e.cookie();
      }
      if (page.end() || page.entries().isEmpty()) {
        return 0;
      }
    }
  }

  private int posixLock(FuseFileInfo fi, int cmd, Flock fl) throws FsException {
    long start = fl.l_start.get();
    long len = fl.l_len.get();
    LockRange.Type type = switch (fl.l_type.get()) {
      case 0 -> LockRange.Type.READ;
      case 1 -> LockRange.Type.WRITE;
      case 2 -> LockRange.Type.UNLOCK;
      default -> throw new FsException(FsError.INVALID, "unknown lock type " + fl.l_type.get());
    };
    LockRange range = new LockRange(type, start, len == 0 ? Long.MAX_VALUE : start + len - 1, fl.l_pid.get());
    long fh = fi.fh.get();
    long owner = fi.lock_owner.get();
    switch (cmd) {
      case F_GETLK -> {
        LockRange conflict = fs.getlk(fh, owner, range);
        if (conflict == null) {
          fl.l_type.set(2);
        } else {
          fl.l_type.set(conflict.type() == LockRange.Type.READ ? 0 : 1);
          fl.l_whence.set(0);
          fl.l_start.set(conflict.start());
          fl.l_len.set(conflict.end() == Long.MAX_VALUE ? 0 : conflict.end() - conflict.start() + 1);
          fl.l_pid.set(conflict.pid());
        }
        return 0;
      }
      case F_SETLK, F_SETLKW -> {
        fs.setlk(fh, owner, range, cmd == F_SETLKW);
        return 0;
      }
      default -> throw new FsException(FsError.INVALID, "unknown lock command " + cmd);
    }
  }

  private static LockRange.Type flockType(int op) throws FsException {
    int kind = op & ~LOCK_NB;
    return switch (kind) {
      case LOCK_SH -> LockRange.Type.READ;
      case LOCK_EX -> LockRange.Type.WRITE;
      case LOCK_UN -> LockRange.Type.UNLOCK;
      default -> throw new FsException(FsError.INVALID, "unknown flock operation " + op);
    };
  }

  private static int ok(Object ignored) {
    return 0;
  }

  private static Integer id(long v) {
    return v == NO_ID || v == -1 ? null : (int) v;
  }

  private static TimeSpec time(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return null;
    }
    if (nsec == UTIME_NOW) {
      return TimeSpec.now();
    }
    return TimeSpec.at(Instant.ofEpochSecond(t.tv_sec.get(), nsec));
  }

  /** A view of native memory, so data moves between the kernel's buffer and cache files without the heap. */
  private static ByteBuffer direct(Pointer buf, long size) {
    return MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
  }

  private static byte[] bytes(Pointer p, long size) {
    byte[] b = new byte[(int) size];
    p.get(0, b, 0, b.length);
    return b;
  }

  /** Linux xattr calls: size 0 asks for the length; a buffer too small is ERANGE. */
  private static int sized(Pointer dst, long size, byte[] value) throws FsException {
    if (size == 0) {
      return value.length;
    }
    if (value.length > size) {
      throw new FsException(FsError.RANGE, "buffer of " + size + " bytes is too small for " + value.length);
    }
    dst.put(0, value, 0, value.length);
    return value.length;
  }

  private static byte[] nulSeparated(List<String> names) {
    StringBuilder sb = new StringBuilder();
    for (String n : names) {
      sb.append(n).append('\0');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static int cString(Pointer buf, long size, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    int n = (int) Math.min(b.length, size - 1);
    buf.put(0, b, 0, n);
    buf.putByte(n, (byte) 0);
    return 0;
  }

  private static int fill(FileStat st, InodeAttributes a) {
    st.st_ino.set(a.id().value());
    st.st_mode.set(a.stMode());
    st.st_nlink.set(a.nlink());
    st.st_uid.set(a.uid());
    st.st_gid.set(a.gid());
    st.st_size.set(a.size());
    st.st_rdev.set(a.rdev());
    st.st_blksize.set(IO_BLOCK);
    st.st_blocks.set(a.blocks());
    put(st.st_atim, a.atime());
    put(st.st_mtim, a.mtime());
    put(st.st_ctim, a.ctime());
    return 0;
  }

  private static void put(Timespec t, Instant i) {
    t.tv_sec.set(i.getEpochSecond());
    t.tv_nsec.set(i.getNano());
  }

  private static int fill(Statvfs st, StatFs s) {
    st.f_bsize.set(s.blockSize());
    st.f_frsize.set(s.blockSize());
    st.f_blocks.set(s.totalBlocks());
    st.f_bfree.set(s.freeBlocks());
    st.f_bavail.set(s.availableBlocks());
    st.f_files.set(s.totalInodes());
    st.f_ffree.set(s.freeInodes());
    st.f_favail.set(s.freeInodes());
    st.f_namemax.set(s.maxNameLength());
    return 0;
  }
}
