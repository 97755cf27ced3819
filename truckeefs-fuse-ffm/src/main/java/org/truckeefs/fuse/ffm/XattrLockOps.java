package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.truckeefs.fuse.ffm.LibFuse3.*;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.XattrMode;

/** The extended-attribute and lock callbacks, through the same funnel and reply rules as {@link LowLevelOps}. */
final class XattrLockOps {
  private static final int LOCK_SH = 1;
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final int LOCK_UN = 8;
  private static final short F_RDLCK = 0;
  private static final short F_WRLCK = 1;
  private static final short F_UNLCK = 2;

  private final LowLevelOps ops;
  private final LibFuse3 lib;
  private final XattrAbsence absence;

  XattrLockOps(LowLevelOps ops, XattrAbsence absence) {
    this.ops = ops;
    this.lib = ops.lib;
    this.absence = absence;
  }

  void setxattr(MemorySegment req, long ino, MemorySegment name, MemorySegment value, long size, int flags) {
    ops.done(req, ops.calls.run("setxattr", ino, () -> {
      String n = string(name); // security. and system. (labels, ACLs) are refused EOPNOTSUPP by core
      byte[] v = size == 0 ? new byte[0] : value.reinterpret(size).toArray(JAVA_BYTE);
      absence.forget(ino);
      ops.fs.setxattr(ops.caller(req), LowLevelOps.id(ino), n, v, XattrMode.fromLinux(flags));
      return ops.ok(req);
    }));
  }

  void getxattr(MemorySegment req, long ino, MemorySegment name, long size) {
    ops.done(req, ops.calls.run("getxattr", ino, () -> {
      String n = string(name);
      if (absence.isAbsent(ino, n)) {
        throw new FsException(FsError.NO_DATA, "no extended attribute " + n);
      }
      long epoch = absence.epoch();
      byte[] value;
      try {
        value = ops.fs.getxattr(ops.caller(req), LowLevelOps.id(ino), n);
      } catch (FsException e) {
        if (e.error() == FsError.NO_DATA) {
          absence.noteAbsent(ino, n, epoch);
        }
        throw e;
      }
      return sized(req, size, value);
    }));
  }

  void listxattr(MemorySegment req, long ino, long size) {
    ops.done(req, ops.calls.run("listxattr", ino, () -> {
      StringBuilder sb = new StringBuilder();
      for (String n : ops.fs.listxattr(ops.caller(req), LowLevelOps.id(ino))) {
        sb.append(n).append('\0');
      }
      return sized(req, size, sb.toString().getBytes(StandardCharsets.UTF_8));
    }));
  }

  void removexattr(MemorySegment req, long ino, MemorySegment name) {
    ops.done(req, ops.calls.run("removexattr", ino, () -> {
      absence.forget(ino);
      ops.fs.removexattr(ops.caller(req), LowLevelOps.id(ino), string(name));
      return ops.ok(req);
    }));
  }

  /** Linux xattr calls: size 0 asks for the length; a buffer too small is ERANGE. */
  private int sized(MemorySegment req, long size, byte[] value) throws FsException {
    if (size == 0) {
      return LowLevelOps.sent(lib.replyXattr(req, value.length));
    }
    if (value.length > size) {
      throw new FsException(FsError.RANGE, "buffer of " + size + " bytes is too small for " + value.length);
    }
    MemorySegment buf = Native.scratch().buffer(Math.max(1, value.length));
    MemorySegment.copy(value, 0, buf, JAVA_BYTE, 0, value.length);
    return LowLevelOps.sent(lib.replyBuf(req, buf, value.length));
  }

  void getlk(MemorySegment req, long ino, MemorySegment fiPtr, MemorySegment lockPtr) {
    ops.done(req, ops.calls.run("getlk", ino, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      MemorySegment fl = lockPtr.reinterpret(FLOCK_SIZE);
      LockRange conflict = ops.fs.getlk(fi.get(JAVA_LONG, FI_FH), fi.get(JAVA_LONG, FI_LOCK_OWNER), range(fl));
      MemorySegment out = Native.scratch().flock;
      out.fill((byte) 0);
      if (conflict == null) {
        out.set(JAVA_SHORT, FLOCK_TYPE, F_UNLCK);
      } else {
        out.set(JAVA_SHORT, FLOCK_TYPE, conflict.type() == LockRange.Type.READ ? F_RDLCK : F_WRLCK);
        out.set(JAVA_LONG, FLOCK_START, conflict.start());
        out.set(JAVA_LONG, FLOCK_LEN, conflict.end() == Long.MAX_VALUE ? 0 : conflict.end() - conflict.start() + 1);
        out.set(JAVA_INT, FLOCK_PID, (int) conflict.pid());
      }
      return LowLevelOps.sent(lib.replyLock(req, out));
    }));
  }

  /** F_SETLKW ({@code sleep}) blocks this worker until granted, as libfuse's own examples do. */
  void setlk(MemorySegment req, long ino, MemorySegment fiPtr, MemorySegment lockPtr, int sleep) {
    ops.done(req, ops.calls.run("setlk", ino, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      ops.fs.setlk(fi.get(JAVA_LONG, FI_FH), fi.get(JAVA_LONG, FI_LOCK_OWNER), range(lockPtr.reinterpret(FLOCK_SIZE)), sleep != 0);
      return ops.ok(req);
    }));
  }

  void flock(MemorySegment req, long ino, MemorySegment fiPtr, int op) {
    ops.done(req, ops.calls.run("flock", ino, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      LockRange.Type type = switch (op & ~LOCK_NB) {
        case LOCK_SH -> LockRange.Type.READ;
        case LOCK_EX -> LockRange.Type.WRITE;
        case LOCK_UN -> LockRange.Type.UNLOCK;
        default -> throw new FsException(FsError.INVALID, "unknown flock operation " + op);
      };
      ops.fs.flock(fi.get(JAVA_LONG, FI_FH), fi.get(JAVA_LONG, FI_LOCK_OWNER), type, (op & LOCK_NB) == 0);
      return ops.ok(req);
    }));
  }

  private static LockRange range(MemorySegment fl) throws FsException {
    long start = fl.get(JAVA_LONG, FLOCK_START);
    long len = fl.get(JAVA_LONG, FLOCK_LEN);
    LockRange.Type type = switch (fl.get(JAVA_SHORT, FLOCK_TYPE)) {
      case F_RDLCK -> LockRange.Type.READ;
      case F_WRLCK -> LockRange.Type.WRITE;
      case F_UNLCK -> LockRange.Type.UNLOCK;
      default -> throw new FsException(FsError.INVALID, "unknown lock type " + fl.get(JAVA_SHORT, FLOCK_TYPE));
    };
    return new LockRange(type, start, len == 0 ? Long.MAX_VALUE : start + len - 1, fl.get(JAVA_INT, FLOCK_PID));
  }

  private static String string(MemorySegment p) {
    return new String(Native.cBytes(p), StandardCharsets.UTF_8);
  }
}
