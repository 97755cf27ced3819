package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * The part of libfuse 3's low-level API ({@code fuse_lowlevel.h}, 3.14 on x86-64) the adapter calls, as FFM
 * downcalls, and the offsets of the C structs it reads and writes. The offsets are those of the installed
 * headers; {@code LayoutTest} compiles a C program against them and compares. Call sites use {@code invokeExact},
 * so every helper here casts to the exact return type.
 */
final class LibFuse3 {
  static final String LIBRARY = "libfuse3.so.3";

  // struct stat (144 bytes)
  static final long STAT_SIZE = 144;
  static final long ST_INO = 8;
  static final long ST_NLINK = 16;
  static final long ST_MODE = 24;
  static final long ST_UID = 28;
  static final long ST_GID = 32;
  static final long ST_RDEV = 40;
  static final long ST_SIZE = 48;
  static final long ST_BLKSIZE = 56;
  static final long ST_BLOCKS = 64;
  static final long ST_ATIM = 72;
  static final long ST_MTIM = 88;
  static final long ST_CTIM = 104;
  // struct fuse_entry_param (176 bytes)
  static final long ENTRY_SIZE = 176;
  static final long ENTRY_INO = 0;
  static final long ENTRY_GENERATION = 8;
  static final long ENTRY_ATTR = 16;
  static final long ENTRY_ATTR_TIMEOUT = 160;
  static final long ENTRY_ENTRY_TIMEOUT = 168;
  // struct fuse_file_info (40 bytes): flags, a word of bit fields, fh, lock_owner
  static final long FI_SIZE = 40;
  static final long FI_FLAGS = 0;
  static final long FI_BITS = 4;
  static final long FI_FH = 16;
  static final long FI_LOCK_OWNER = 24;
  static final int FI_WRITEPAGE = 1;
  static final int FI_DIRECT_IO = 1 << 1;
  static final int FI_KEEP_CACHE = 1 << 2;
  static final int FI_FLOCK_RELEASE = 1 << 5;
  static final int FI_CACHE_READDIR = 1 << 6;
  // struct fuse_ctx (16 bytes)
  static final long CTX_SIZE = 16;
  static final long CTX_UID = 0;
  static final long CTX_GID = 4;
  static final long CTX_PID = 8;
  // struct fuse_conn_info (128 bytes)
  static final long CONN_SIZE = 128;
  static final long CONN_MAX_WRITE = 8;
  static final long CONN_MAX_READAHEAD = 16;
  static final long CONN_CAPABLE = 20;
  static final long CONN_WANT = 24;
  static final long CONN_MAX_BACKGROUND = 28;
  static final long CONN_TIME_GRAN = 36;
  // struct fuse_lowlevel_ops: 44 function pointers
  static final int OPS_COUNT = 44;
  static final long OPS_SIZE = OPS_COUNT * 8L;
  // struct fuse_forget_data (16 bytes), struct fuse_args (24 bytes)
  static final long FORGET_SIZE = 16;
  static final long ARGS_SIZE = 24;
  static final long ARGS_ARGV = 8;
  // struct flock (32 bytes)
  static final long FLOCK_SIZE = 32;
  static final long FLOCK_TYPE = 0;
  static final long FLOCK_WHENCE = 2;
  static final long FLOCK_START = 8;
  static final long FLOCK_LEN = 16;
  static final long FLOCK_PID = 24;
  // struct statvfs (112 bytes)
  static final long STATVFS_SIZE = 112;
  static final long F_BSIZE = 0;
  static final long F_FRSIZE = 8;
  static final long F_BLOCKS = 16;
  static final long F_BFREE = 24;
  static final long F_BAVAIL = 32;
  static final long F_FILES = 40;
  static final long F_FFREE = 48;
  static final long F_FAVAIL = 56;
  static final long F_NAMEMAX = 80;
  // capability bits of fuse_conn_info.want
  static final int CAP_POSIX_LOCKS = 1 << 1;
  static final int CAP_FLOCK_LOCKS = 1 << 10;
  static final int CAP_AUTO_INVAL_DATA = 1 << 12;
  static final int CAP_READDIRPLUS = 1 << 13;
  static final int CAP_READDIRPLUS_AUTO = 1 << 14;
  static final int CAP_ASYNC_DIO = 1 << 15;
  static final int CAP_WRITEBACK_CACHE = 1 << 16;
  static final int CAP_PARALLEL_DIROPS = 1 << 18;
  static final int CAP_HANDLE_KILLPRIV = 1 << 20;
  static final int CAP_EXPLICIT_INVAL_DATA = 1 << 25;
  // setattr's to_set bits
  static final int SET_ATTR_MODE = 1;
  static final int SET_ATTR_UID = 1 << 1;
  static final int SET_ATTR_GID = 1 << 2;
  static final int SET_ATTR_SIZE = 1 << 3;
  static final int SET_ATTR_ATIME = 1 << 4;
  static final int SET_ATTR_MTIME = 1 << 5;
  static final int SET_ATTR_ATIME_NOW = 1 << 7;
  static final int SET_ATTR_MTIME_NOW = 1 << 8;
  static final int SET_ATTR_CTIME = 1 << 10;

  private static final Linker LINKER = Linker.nativeLinker();
  private final MethodHandle sessionNew;
  private final MethodHandle sessionMount;
  private final MethodHandle sessionLoopMt;
  private final MethodHandle sessionUnmount;
  private final MethodHandle sessionDestroy;
  private final MethodHandle sessionExit;
  private final MethodHandle loopCfgCreate;
  private final MethodHandle loopCfgDestroy;
  private final MethodHandle loopCfgSetCloneFd;
  private final MethodHandle loopCfgSetMaxThreads;
  private final MethodHandle loopCfgSetIdleThreads;
  private final MethodHandle replyErr;
  private final MethodHandle replyNone;
  private final MethodHandle replyEntry;
  private final MethodHandle replyCreate;
  private final MethodHandle replyAttr;
  private final MethodHandle replyReadlink;
  private final MethodHandle replyOpen;
  private final MethodHandle replyWrite;
  private final MethodHandle replyBuf;
  private final MethodHandle replyStatfs;
  private final MethodHandle replyXattr;
  private final MethodHandle replyLock;
  private final MethodHandle reqCtx;
  private final MethodHandle notifyInvalInode;
  private final MethodHandle notifyInvalEntry;

  private static LibFuse3 instance;

  /** The library, loaded once; throws UnsatisfiedLinkError/IllegalArgumentException when it is not installed. */
  static synchronized LibFuse3 get() {
    if (instance == null) {
      instance = new LibFuse3(SymbolLookup.libraryLookup(LIBRARY, Arena.global()));
    }
    return instance;
  }

  private LibFuse3(SymbolLookup lib) {
    sessionNew = h(lib, "fuse_session_new", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    sessionMount = h(lib, "fuse_session_mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    // The 3.12 loop takes the opaque config of fuse_loop_cfg_create (the unversioned name is a macro).
    sessionLoopMt = h(lib, "fuse_session_loop_mt_312", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    sessionUnmount = h(lib, "fuse_session_unmount", FunctionDescriptor.ofVoid(ADDRESS));
    sessionDestroy = h(lib, "fuse_session_destroy", FunctionDescriptor.ofVoid(ADDRESS));
    sessionExit = h(lib, "fuse_session_exit", FunctionDescriptor.ofVoid(ADDRESS));
    loopCfgCreate = h(lib, "fuse_loop_cfg_create", FunctionDescriptor.of(ADDRESS));
    loopCfgDestroy = h(lib, "fuse_loop_cfg_destroy", FunctionDescriptor.ofVoid(ADDRESS));
    loopCfgSetCloneFd = h(lib, "fuse_loop_cfg_set_clone_fd", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    loopCfgSetMaxThreads = h(lib, "fuse_loop_cfg_set_max_threads", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    loopCfgSetIdleThreads = h(lib, "fuse_loop_cfg_set_idle_threads", FunctionDescriptor.ofVoid(ADDRESS, JAVA_INT));
    replyErr = h(lib, "fuse_reply_err", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    replyNone = h(lib, "fuse_reply_none", FunctionDescriptor.ofVoid(ADDRESS));
    replyEntry = h(lib, "fuse_reply_entry", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    replyCreate = h(lib, "fuse_reply_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
    replyAttr = h(lib, "fuse_reply_attr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_DOUBLE));
    replyReadlink = h(lib, "fuse_reply_readlink", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    replyOpen = h(lib, "fuse_reply_open", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    replyWrite = h(lib, "fuse_reply_write", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    replyBuf = h(lib, "fuse_reply_buf", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG));
    replyStatfs = h(lib, "fuse_reply_statfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    replyXattr = h(lib, "fuse_reply_xattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
    replyLock = h(lib, "fuse_reply_lock", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    reqCtx = h(lib, "fuse_req_ctx", FunctionDescriptor.of(ADDRESS, ADDRESS));
    notifyInvalInode = h(lib, "fuse_lowlevel_notify_inval_inode",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    notifyInvalEntry = h(lib, "fuse_lowlevel_notify_inval_entry",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG));
  }

  private static MethodHandle h(SymbolLookup lib, String name, FunctionDescriptor fd) {
    MemorySegment sym = lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError(LIBRARY + " has no " + name
        + " (libfuse 3.12 or newer is needed: apt-get install libfuse3-3)"));
    return LINKER.downcallHandle(sym, fd);
  }

  static Linker linker() {
    return LINKER;
  }

  /** Wraps the Throwable that invokeExact declares: a downcall itself never throws. */
  private static IllegalStateException fail(Throwable t) {
    return new IllegalStateException("libfuse call failed", t);
  }

  MemorySegment sessionNew(MemorySegment args, MemorySegment ops, long opsSize, MemorySegment userdata) {
    try {
      return (MemorySegment) sessionNew.invokeExact(args, ops, opsSize, userdata);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int sessionMount(MemorySegment se, MemorySegment mountPoint) {
    try {
      return (int) sessionMount.invokeExact(se, mountPoint);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int sessionLoopMt(MemorySegment se, MemorySegment cfg) {
    try {
      return (int) sessionLoopMt.invokeExact(se, cfg);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  void sessionUnmount(MemorySegment se) {
    try {
      sessionUnmount.invokeExact(se);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  void sessionDestroy(MemorySegment se) {
    try {
      sessionDestroy.invokeExact(se);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  void sessionExit(MemorySegment se) {
    try {
      sessionExit.invokeExact(se);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  MemorySegment loopCfgCreate(int maxThreads, boolean cloneFd) {
    try {
      MemorySegment cfg = (MemorySegment) loopCfgCreate.invokeExact();
      loopCfgSetCloneFd.invokeExact(cfg, cloneFd ? 1 : 0);
      loopCfgSetMaxThreads.invokeExact(cfg, maxThreads);
      // As many idle threads as workers: libfuse then never retires and restarts a thread under bursty load,
      // and each native thread attaches to the JVM once.
      loopCfgSetIdleThreads.invokeExact(cfg, maxThreads);
      return cfg;
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  void loopCfgDestroy(MemorySegment cfg) {
    try {
      loopCfgDestroy.invokeExact(cfg);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyErr(MemorySegment req, int errno) {
    try {
      return (int) replyErr.invokeExact(req, errno);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  void replyNone(MemorySegment req) {
    try {
      replyNone.invokeExact(req);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyEntry(MemorySegment req, MemorySegment entry) {
    try {
      return (int) replyEntry.invokeExact(req, entry);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyCreate(MemorySegment req, MemorySegment entry, MemorySegment fi) {
    try {
      return (int) replyCreate.invokeExact(req, entry, fi);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyAttr(MemorySegment req, MemorySegment stat, double timeout) {
    try {
      return (int) replyAttr.invokeExact(req, stat, timeout);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyReadlink(MemorySegment req, MemorySegment target) {
    try {
      return (int) replyReadlink.invokeExact(req, target);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyOpen(MemorySegment req, MemorySegment fi) {
    try {
      return (int) replyOpen.invokeExact(req, fi);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyWrite(MemorySegment req, long count) {
    try {
      return (int) replyWrite.invokeExact(req, count);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyBuf(MemorySegment req, MemorySegment buf, long size) {
    try {
      return (int) replyBuf.invokeExact(req, buf, size);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyStatfs(MemorySegment req, MemorySegment st) {
    try {
      return (int) replyStatfs.invokeExact(req, st);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyXattr(MemorySegment req, long size) {
    try {
      return (int) replyXattr.invokeExact(req, size);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int replyLock(MemorySegment req, MemorySegment lock) {
    try {
      return (int) replyLock.invokeExact(req, lock);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  /** The caller's struct fuse_ctx, readable for {@link #CTX_SIZE} bytes. */
  MemorySegment reqCtx(MemorySegment req) {
    try {
      return ((MemorySegment) reqCtx.invokeExact(req)).reinterpret(CTX_SIZE);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int notifyInvalInode(MemorySegment se, long ino, long off, long len) {
    try {
      return (int) notifyInvalInode.invokeExact(se, ino, off, len);
    } catch (Throwable t) {
      throw fail(t);
    }
  }

  int notifyInvalEntry(MemorySegment se, long parent, MemorySegment name, long nameLength) {
    try {
      return (int) notifyInvalEntry.invokeExact(se, parent, name, nameLength);
    } catch (Throwable t) {
      throw fail(t);
    }
  }
}
