"""A syscall agent for the conformance tests: reads one JSON array per line ([op, args...]) and answers one JSON
object per line: {"ok": value} or {"err": "ENOENT"}. It keeps file descriptors open between calls, so tests can
hold locks, write through a descriptor after unlink, and so on, from a process of their choosing (uid/gid)."""
import ctypes
import errno
import fcntl
import json
import os
import stat
import struct
import sys

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2
SYS_renameat2 = 316  # x86-64


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def check(rc):
    if rc < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return rc


def flags_of(names):
    v = 0
    for n in names:
        v |= getattr(os, n)
    return v


def st(s):
    return {"mode": s.st_mode, "perm": stat.S_IMODE(s.st_mode), "fmt": stat.S_IFMT(s.st_mode), "ino": s.st_ino,
            "nlink": s.st_nlink, "uid": s.st_uid, "gid": s.st_gid, "size": s.st_size, "rdev": s.st_rdev,
            "atime_ns": s.st_atime_ns, "mtime_ns": s.st_mtime_ns, "ctime_ns": s.st_ctime_ns, "blocks": s.st_blocks}


def ts(spec):
    if spec == "NOW":
        return Timespec(0, UTIME_NOW)
    if spec == "OMIT":
        return Timespec(0, UTIME_OMIT)
    return Timespec(spec[0], spec[1])


def xattr_raw(fn, path, name, size):
    buf = ctypes.create_string_buffer(max(size, 1))
    n = check(fn(path.encode(), name.encode(), buf if size else None, ctypes.c_size_t(size)))
    return n if size == 0 else buf.raw[:n].decode("latin-1")


LOCK_TYPES = {"RD": fcntl.F_RDLCK, "WR": fcntl.F_WRLCK, "UN": fcntl.F_UNLCK}
LOCK_NAMES = {v: k for k, v in LOCK_TYPES.items()}


def op(name, *a):
    if name == "mkdir": return os.mkdir(a[0], a[1])
    if name == "rmdir": return os.rmdir(a[0])
    if name == "unlink": return os.unlink(a[0])
    if name == "rename": return os.rename(a[0], a[1])
    if name == "renameat2":
        return check(libc.syscall(SYS_renameat2, AT_FDCWD, a[0].encode(), AT_FDCWD, a[1].encode(), a[2]))
    if name == "link": return os.link(a[0], a[1])
    if name == "symlink": return os.symlink(a[0], a[1])
    if name == "readlink": return os.readlink(a[0])
    if name == "chmod": return os.chmod(a[0], a[1])
    if name == "chown": return os.chown(a[0], a[1], a[2])
    if name == "lchown": return os.lchown(a[0], a[1], a[2])
    if name == "truncate": return os.truncate(a[0], a[1])
    if name == "open": return os.open(a[0], flags_of(a[1]), a[2] if len(a) > 2 else 0o644)
    if name == "close": return os.close(a[0])
    if name == "write": return os.write(a[0], a[1].encode())
    if name == "pwrite": return os.pwrite(a[0], a[1].encode(), a[2])
    if name == "read": return os.read(a[0], a[1]).decode("latin-1")
    if name == "pread": return os.pread(a[0], a[1], a[2]).decode("latin-1")
    if name == "ftruncate": return os.ftruncate(a[0], a[1])
    if name == "fsync": return os.fsync(a[0])
    if name == "fstat": return st(os.fstat(a[0]))
    if name == "stat": return st(os.stat(a[0]))
    if name == "lstat": return st(os.lstat(a[0]))
    if name == "access": return os.access(a[0], a[1])
    if name == "listdir": return sorted(os.listdir(a[0]))
    if name == "mknod": return os.mknod(a[0], a[1], a[2] if len(a) > 2 else 0)
    if name == "mkfifo": return os.mkfifo(a[0], a[1])
    if name == "utimensat":
        times = (Timespec * 2)(ts(a[1]), ts(a[2]))
        return check(libc.utimensat(AT_FDCWD, a[0].encode(), times, a[3] if len(a) > 3 else 0))
    if name == "setxattr": return os.setxattr(a[0], a[1], a[2].encode("latin-1"), a[3] if len(a) > 3 else 0)
    if name == "getxattr": return os.getxattr(a[0], a[1]).decode("latin-1")
    if name == "getxattr_sized": return xattr_raw(libc.getxattr, a[0], a[1], a[2])
    if name == "listxattr": return sorted(os.listxattr(a[0]))
    if name == "listxattr_size":
        return check(libc.listxattr(a[0].encode(), None, ctypes.c_size_t(0)))
    if name == "removexattr": return os.removexattr(a[0], a[1])
    if name == "fcntl_lock":
        fd, cmd, typ, start, length = a
        c = {"SETLK": fcntl.F_SETLK, "SETLKW": fcntl.F_SETLKW, "GETLK": fcntl.F_GETLK}[cmd]
        packed = struct.pack("hhqqi4x", LOCK_TYPES[typ], 0, start, length, 0)
        out = fcntl.fcntl(fd, c, packed)
        t, _, s, l, pid = struct.unpack("hhqqi4x", out)
        return {"type": LOCK_NAMES.get(t, t), "start": s, "len": l, "pid": pid} if cmd == "GETLK" else None
    if name == "flock":
        v = 0
        for n in a[1]:
            v |= getattr(fcntl, n)
        return fcntl.flock(a[0], v)
    if name == "statvfs":
        s = os.statvfs(a[0])
        return {"bsize": s.f_bsize, "blocks": s.f_blocks, "bfree": s.f_bfree, "files": s.f_files,
                "ffree": s.f_ffree, "namemax": s.f_namemax}
    if name == "whoami": return [os.getuid(), os.getgid(), os.getgroups()]
    raise ValueError("unknown op " + name)


def main():
    for line in sys.stdin:
        try:
            req = json.loads(line)
            res = {"ok": op(*req)}
        except OSError as e:
            res = {"err": errno.errorcode.get(e.errno, str(e.errno))}
        except Exception as e:  # a bug in a test, not a filesystem answer
            res = {"bug": repr(e)}
        sys.stdout.write(json.dumps(res) + "\n")
        sys.stdout.flush()


main()
