package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.truckeefs.fuse.ffm.LibFuse3.*;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.DirListingPlus;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.fuse.CallerGroups;
import org.truckeefs.fuse.DirectWrites;
import org.truckeefs.fuse.FuseCalls;

/**
 * The libfuse 3 low-level callbacks for the namespace, attributes, files and directories, one to one onto
 * {@link FileSystem}'s inode operations: no paths, no second resolver. Every callback replies exactly once: its body
 * runs through the {@link FuseCalls} funnel, which turns any failure into an errno that is then replied; a body
 * that replied returns 0 whatever libfuse said (an interrupted request is already gone, and must not be replied to
 * twice). Extended attributes and locks are in {@link XattrLockOps}.
 */
final class LowLevelOps {
  private static final Logger log = LoggerFactory.getLogger(LowLevelOps.class);
  /** Entries fetched from core per directory page; the kernel asks a page (about 4 KiB) at a time. */
  private static final int DIR_BATCH = 512;
  /** The largest READDIR(PLUS) reply the kernel asks for here (its readdir buffer: 32 pages). */
  private static final int DIR_REPLY = 128 * 1024;

  final FileSystem fs;
  final FuseCalls calls;
  final LibFuse3 lib;
  final FfmOptions options;
  final InodeRefs refs;
  private final CallerGroups groups = new CallerGroups();
  final DirectWrites direct;
  private final double attrTimeout;
  private final double entryTimeout;
  private final Dirents dirents;
  /** Listings fetched ahead per directory handle, so one core query serves several kernel pages. */
  private final Map<Long, DirAhead> ahead = new ConcurrentHashMap<>();
  private volatile Runnable onInit = () -> {};
  private volatile Runnable onDestroy = () -> {};

  private record DirAhead(long after, List<DirEntryPlus> entries, boolean end) {}

  LowLevelOps(FileSystem fs, FuseCalls calls, LibFuse3 lib, FfmOptions options, InodeRefs refs) {
    this.fs = fs;
    this.calls = calls;
    this.lib = lib;
    this.options = options;
    this.refs = refs;
    this.attrTimeout = options.attrTimeout();
    this.entryTimeout = options.entryTimeout();
    this.dirents = new Dirents(attrTimeout, entryTimeout);
    this.direct = new DirectWrites(!options.writebackCache());
  }

  void onInit(Runnable r) {
    onInit = r;
  }

  void onDestroy(Runnable r) {
    onDestroy = r;
  }

  // ---- session

  /** Negotiates the kernel features; no reply. */
  void init(MemorySegment userdata, MemorySegment connPtr) {
    try {
      MemorySegment conn = connPtr.reinterpret(CONN_SIZE);
      int capable = conn.get(JAVA_INT, CONN_CAPABLE);
      int want = conn.get(JAVA_INT, CONN_WANT);
      // The kernel clears setuid/setgid on a write by sending a setattr (core allows it, as on ext4).
      want &= ~CAP_HANDLE_KILLPRIV;
      want &= ~(CAP_READDIRPLUS | CAP_READDIRPLUS_AUTO);
      if (options.readdirplus()) {
        want |= CAP_READDIRPLUS & capable;
      }
      if (options.writebackCache()) {
        want |= CAP_WRITEBACK_CACHE & capable;
      }
      want |= (CAP_ASYNC_DIO | CAP_PARALLEL_DIROPS | CAP_AUTO_INVAL_DATA) & capable;
      conn.set(JAVA_INT, CONN_WANT, want);
      conn.set(JAVA_INT, CONN_MAX_WRITE, options.maxWrite());
      // The kernel keeps the smaller of this and the read-ahead the mount widened to before the loop (Readahead).
      conn.set(JAVA_INT, CONN_MAX_READAHEAD, Math.max(conn.get(JAVA_INT, CONN_MAX_READAHEAD), options.maxWrite()));
      conn.set(JAVA_INT, CONN_TIME_GRAN, 1);
      log.debug("FUSE session started: capable 0x{} want 0x{}", Integer.toHexString(capable), Integer.toHexString(want));
      onInit.run();
      primeListing();
    } catch (Throwable t) {
      log.error("init failed", t);
    }
  }

  /** The ops whose meters {@link #primeListing} registers up front: those of listings, creates and small files. */
  private static final List<String> HOT_OPS = List.of("lookup", "getattr", "setattr", "opendir", "readdirplus",
      "readdir", "releasedir", "getxattr", "create", "open", "read", "write", "flush", "release", "unlink");

  /** The thread name of {@link #primeListing}: requests the kernel sent never run on it. */
  static final String PRIMER = "truckeefs-fuse-prime";

  /**
   * Lists the root once on a thread of its own as the session starts, so that the first listing a user asks for
   * does not also pay for loading and linking the listing path: the store's query, core's page and the reply
   * encoding. Measured in-process on a loaded machine, the first listing of 2,000 files took 40-84 ms unprimed and
   * 23-28 ms after priming on an empty root. Read only (reads never write atime); a failure is only logged, as the
   * request that meets it will report it.
   */
  private void primeListing() {
    Thread t = new Thread(() -> {
      calls.prepare(HOT_OPS);
      Native.prepareScratch(options.workers(), DIR_REPLY);
      try {
        long h = fs.opendir(Caller.ROOT, InodeId.ROOT);
        try {
          byte[] buf = new byte[16 * 1024];
          int pos = 0;
          for (DirEntryPlus p : fs.readdirplus(h, 0, DIR_BATCH).entries()) {
            DirEntry e = p.entry();
            int n = dirents.putPlus(buf, pos, buf.length, e.name().bytes(), p.attributes(), e.cookie(), false);
            if (n == 0) {
              break;
            }
            pos += n;
          }
        } finally {
          fs.releasedir(h);
        }
      } catch (FsException | RuntimeException e) {
        log.debug("priming the listing path: {}", e.toString());
      }
    }, PRIMER);
    t.setDaemon(true);
    t.start();
  }

  void destroy(MemorySegment userdata) {
    try {
      log.debug("FUSE session ended");
      onDestroy.run();
    } catch (Throwable t) {
      log.error("destroy failed", t);
    }
  }

  // ---- names

  void lookup(MemorySegment req, long parent, MemorySegment namePtr) {
    done(req, calls.run("lookup", parent, () -> {
      Native.Scratch s = Native.scratch();
      InodeAttributes a;
      try {
        a = fs.lookup(caller(req), id(parent), Name.of(Native.cBytes(namePtr)));
      } catch (FsException e) {
        if (e.error() != FsError.NOT_FOUND) {
          throw e;
        }
        // Cached "no such name": a remote creation invalidates it through notify_inval_entry.
        return sent(lib.replyEntry(req, Native.negativeEntry(s, entryTimeout)));
      }
      return entryReplied(req, a, lib.replyEntry(req, Native.entry(s, a, attrTimeout, entryTimeout)));
    }));
  }

  void forget(MemorySegment req, long ino, long nlookup) {
    refs.forget(ino, nlookup);
    noReply(req);
  }

  void forgetMulti(MemorySegment req, long count, MemorySegment forgets) {
    MemorySegment f = forgets.reinterpret(count * FORGET_SIZE);
    for (long i = 0; i < count; i++) {
      refs.forget(f.get(JAVA_LONG, i * FORGET_SIZE), f.get(JAVA_LONG, i * FORGET_SIZE + 8));
    }
    noReply(req);
  }

  void mknod(MemorySegment req, long parent, MemorySegment name, int mode, long rdev) {
    done(req, calls.run("mknod", parent, () -> entry(req, fs.mknod(caller(req), id(parent), name(name), mode, rdev))));
  }

  void mkdir(MemorySegment req, long parent, MemorySegment name, int mode) {
    done(req, calls.run("mkdir", parent, () -> entry(req, fs.mkdir(caller(req), id(parent), name(name), mode & 07777))));
  }

  void symlink(MemorySegment req, MemorySegment target, long parent, MemorySegment name) {
    done(req, calls.run("symlink", parent, () -> entry(req,
        fs.symlink(caller(req), id(parent), name(name), new String(Native.cBytes(target), java.nio.charset.StandardCharsets.UTF_8)))));
  }

  void link(MemorySegment req, long ino, long newParent, MemorySegment newName) {
    done(req, calls.run("link", ino, () -> entry(req, fs.link(caller(req), id(ino), id(newParent), name(newName)))));
  }

  void unlink(MemorySegment req, long parent, MemorySegment name) {
    done(req, calls.run("unlink", parent, () -> { fs.unlink(caller(req), id(parent), name(name)); return ok(req); }));
  }

  void rmdir(MemorySegment req, long parent, MemorySegment name) {
    done(req, calls.run("rmdir", parent, () -> { fs.rmdir(caller(req), id(parent), name(name)); return ok(req); }));
  }

  void rename(MemorySegment req, long parent, MemorySegment name, long newParent, MemorySegment newName, int flags) {
    done(req, calls.run("rename", parent, () -> {
      fs.rename(caller(req), id(parent), name(name), id(newParent), name(newName), RenameFlags.fromLinux(flags));
      return ok(req);
    }));
  }

  void readlink(MemorySegment req, long ino) {
    done(req, calls.run("readlink", ino, () -> sent(lib.replyReadlink(req,
        Native.scratch().cString(fs.readlink(caller(req), id(ino)).getBytes(java.nio.charset.StandardCharsets.UTF_8))))));
  }

  // ---- attributes

  void getattr(MemorySegment req, long ino, MemorySegment fi) {
    done(req, calls.run("getattr", ino, () -> attr(req, fs.getattr(id(ino)))));
  }

  void setattr(MemorySegment req, long ino, MemorySegment attrPtr, int toSet, MemorySegment fiPtr) {
    done(req, calls.run("setattr", ino, () -> {
      MemorySegment st = attrPtr.reinterpret(STAT_SIZE);
      long handle = fiPtr.equals(MemorySegment.NULL) ? -1 : Native.fi(fiPtr).get(JAVA_LONG, FI_FH);
      SetAttr change = new SetAttr(
          (toSet & SET_ATTR_MODE) != 0 ? st.get(JAVA_INT, ST_MODE) & InodeAttributes.PERMISSION_BITS : null,
          (toSet & SET_ATTR_UID) != 0 ? st.get(JAVA_INT, ST_UID) : null,
          (toSet & SET_ATTR_GID) != 0 ? st.get(JAVA_INT, ST_GID) : null,
          (toSet & SET_ATTR_SIZE) != 0 ? st.get(JAVA_LONG, ST_SIZE) : null,
          (toSet & (SET_ATTR_ATIME | SET_ATTR_ATIME_NOW)) != 0 ? Native.time(st, ST_ATIM, (toSet & SET_ATTR_ATIME_NOW) != 0) : null,
          (toSet & (SET_ATTR_MTIME | SET_ATTR_MTIME_NOW)) != 0 ? Native.time(st, ST_MTIM, (toSet & SET_ATTR_MTIME_NOW) != 0) : null,
          (toSet & SET_ATTR_CTIME) != 0 ? Native.instant(st, ST_CTIM) : null);
      return attr(req, fs.setattr(caller(req), id(ino), change, handle));
    }));
  }

  void access(MemorySegment req, long ino, int mask) {
    done(req, calls.run("access", ino, () -> { fs.access(caller(req), id(ino), mask); return ok(req); }));
  }

  void statfs(MemorySegment req, long ino) {
    done(req, calls.run("statfs", ino, () -> sent(lib.replyStatfs(req, Native.statvfs(Native.scratch(), fs.statfs())))));
  }

  // ---- files

  void create(MemorySegment req, long parent, MemorySegment name, int mode, MemorySegment fiPtr) {
    done(req, calls.run("create", parent, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      OpenResult r = fs.create(caller(req), id(parent), name(name), mode & 07777, openFlags(fi));
      long ino = r.attributes().id().value();
      opened(fi, ino, r);
      int rc = lib.replyCreate(req, Native.entry(Native.scratch(), r.attributes(), attrTimeout, entryTimeout), fi);
      if (rc == 0) {
        refs.add(ino);
      } else {
        released(ino, r.handle()); // the caller was interrupted: nobody will ever release this handle
      }
      return 0;
    }));
  }

  void open(MemorySegment req, long ino, MemorySegment fiPtr) {
    done(req, calls.run("open", ino, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      OpenResult r = fs.open(caller(req), id(ino), openFlags(fi));
      opened(fi, ino, r);
      if (lib.replyOpen(req, fi) != 0) {
        released(ino, r.handle());
      }
      return 0;
    }));
  }

  void read(MemorySegment req, long ino, long size, long off, MemorySegment fiPtr) {
    done(req, calls.run("read", ino, () -> {
      MemorySegment buf = Native.scratch().buffer(size);
      int n = fs.read(Native.fi(fiPtr).get(JAVA_LONG, FI_FH), off, buf.asSlice(0, size).asByteBuffer());
      return sent(lib.replyBuf(req, buf, Math.max(n, 0)));
    }));
  }

  void write(MemorySegment req, long ino, MemorySegment data, long size, long off, MemorySegment fiPtr) {
    done(req, calls.run("write", ino, () -> {
      ByteBuffer src = data.reinterpret(size).asByteBuffer();
      int n = fs.write(Native.fi(fiPtr).get(JAVA_LONG, FI_FH), off, src);
      return sent(lib.replyWrite(req, n));
    }));
  }

  void flush(MemorySegment req, long ino, MemorySegment fiPtr) {
    done(req, calls.run("flush", ino, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      direct.flushed(ino, fi.get(JAVA_LONG, FI_FH));
      fs.flush(fi.get(JAVA_LONG, FI_FH), fi.get(JAVA_LONG, FI_LOCK_OWNER));
      return ok(req);
    }));
  }

  void release(MemorySegment req, long ino, MemorySegment fiPtr) {
    done(req, calls.run("release", ino, () -> { released(ino, Native.fi(fiPtr).get(JAVA_LONG, FI_FH)); return ok(req); }));
  }

  void fsync(MemorySegment req, long ino, int datasync, MemorySegment fiPtr) {
    done(req, calls.run("fsync", ino, () -> { fs.fsync(Native.fi(fiPtr).get(JAVA_LONG, FI_FH), datasync != 0); return ok(req); }));
  }

  void fallocate(MemorySegment req, long ino, int mode, long off, long len, MemorySegment fiPtr) {
    done(req, calls.run("fallocate", ino, () -> { fs.fallocate(Native.fi(fiPtr).get(JAVA_LONG, FI_FH), mode, off, len); return ok(req); }));
  }

  void copyFileRange(MemorySegment req, long inoIn, long offIn, MemorySegment fiIn, long inoOut, long offOut,
      MemorySegment fiOut, long len, int flags) {
    done(req, calls.run("copy_file_range", inoIn, () -> {
      if (flags != 0) {
        throw new FsException(FsError.INVALID, "copy_file_range flags must be 0");
      }
      long n = fs.copyFileRange(Native.fi(fiIn).get(JAVA_LONG, FI_FH), offIn, Native.fi(fiOut).get(JAVA_LONG, FI_FH), offOut, len);
      return sent(lib.replyWrite(req, n));
    }));
  }

  // ---- directories

  void opendir(MemorySegment req, long ino, MemorySegment fiPtr) {
    done(req, calls.run("opendir", ino, () -> {
      MemorySegment fi = Native.fi(fiPtr);
      long h = fs.opendir(caller(req), id(ino));
      fi.set(JAVA_LONG, FI_FH, h);
      // The kernel keeps the listing in the directory's page cache across opens (a repeated `ls` sends no
      // READDIR); it starts over when the directory changed: its own changes through this mount bump the
      // directory's version, other hosts' arrive as notify_inval_entry (Invalidator), which does too.
      fi.set(JAVA_INT, FI_BITS, fi.get(JAVA_INT, FI_BITS) | FI_CACHE_READDIR | FI_KEEP_CACHE);
      if (lib.replyOpen(req, fi) != 0) {
        fs.releasedir(h);
      }
      return 0;
    }));
  }

  void readdir(MemorySegment req, long ino, long size, long off, MemorySegment fiPtr) {
    done(req, calls.run("readdir", ino, () -> {
      Native.Scratch s = Native.scratch();
      byte[] buf = s.staging(size);
      int limit = (int) size;
      long h = Native.fi(fiPtr).get(JAVA_LONG, FI_FH);
      int pos = 0;
      long cookie = off;
      fill:
      while (true) {
        DirListing page = fs.readdir(h, cookie, (int) Math.max(16, size / 24));
        for (DirEntry e : page.entries()) {
          int n = Dirents.put(buf, pos, limit, e.name().bytes(), e.inode().value(), e.type().modeBits(), e.cookie());
          if (n == 0) {
            break fill; // the kernel's buffer is full; it asks again from the last cookie it took
          }
          pos += n;
          cookie = e.cookie();
        }
        if (page.end() || page.entries().isEmpty()) {
          break;
        }
      }
      return sent(lib.replyBuf(req, s.copyOut(pos), pos));
    }));
  }

  /**
   * READDIRPLUS: entries with their attributes, so {@code ls -l} needs no lookup per name. Every entry handed over
   * (but {@code .} and {@code ..}, given node id 0 as the kernel skips them) counts as a lookup.
   */
  void readdirplus(MemorySegment req, long ino, long size, long off, MemorySegment fiPtr) {
    done(req, calls.run("readdirplus", ino, () -> {
      Native.Scratch s = Native.scratch();
      byte[] buf = s.staging(size);
      int limit = (int) size;
      long h = Native.fi(fiPtr).get(JAVA_LONG, FI_FH);
      int pos = 0;
      long cookie = off;
      fill:
      while (true) {
        DirAhead page = page(h, cookie);
        List<DirEntryPlus> entries = page.entries();
        for (int i = 0; i < entries.size(); i++) {
          DirEntryPlus p = entries.get(i);
          DirEntry e = p.entry();
          if (e.cookie() <= cookie) {
            continue;
          }
          boolean dots = e.name().isDotOrDotDot();
          int n = dirents.putPlus(buf, pos, limit, e.name().bytes(), p.attributes(), e.cookie(), !dots);
          if (n == 0) {
            ahead.put(h, new DirAhead(cookie, entries.subList(i, entries.size()), page.end()));
            break fill;
          }
          if (!dots) {
            refs.add(e.inode().value());
          }
          pos += n;
          cookie = e.cookie();
        }
        if (entries.isEmpty()) {
          break; // the end (and a remembered end, below, is used once: a later read from there asks the store)
        }
        if (page.end()) {
          // The kernel asks once more from the last cookie before it believes the end: answer that from here
          // instead of another store query (an entry added meanwhile may or may not be listed, as POSIX allows).
          ahead.put(h, new DirAhead(cookie, List.of(), true));
          break;
        }
      }
      return sent(lib.replyBuf(req, s.copyOut(pos), pos));
    }));
  }

  /** Entries after {@code cookie}: what is left of the last fetch when it continues there, else a new fetch. */
  private DirAhead page(long h, long cookie) throws FsException {
    DirAhead a = ahead.remove(h);
    if (a != null && a.after() == cookie) {
      return a;
    }
    DirListingPlus l = fs.readdirplus(h, cookie, DIR_BATCH);
    return new DirAhead(cookie, l.entries(), l.end());
  }

  void releasedir(MemorySegment req, long ino, MemorySegment fiPtr) {
    done(req, calls.run("releasedir", ino, () -> {
      long h = Native.fi(fiPtr).get(JAVA_LONG, FI_FH);
      ahead.remove(h);
      fs.releasedir(h);
      return ok(req);
    }));
  }

  /** Directory changes are committed durably by the metadata store as they happen. */
  void fsyncdir(MemorySegment req, long ino, int datasync, MemorySegment fiPtr) {
    done(req, calls.run("fsyncdir", ino, () -> ok(req)));
  }

  // ---- helpers: translation and replies, no filesystem logic

  Caller caller(MemorySegment req) {
    MemorySegment ctx = lib.reqCtx(req);
    int uid = ctx.get(JAVA_INT, CTX_UID);
    long pid = ctx.get(JAVA_INT, CTX_PID);
    return new Caller(uid, ctx.get(JAVA_INT, CTX_GID), uid == 0 ? new int[0] : groups.of(pid), pid);
  }

  private OpenFlags openFlags(MemorySegment fi) {
    int flags = fi.get(JAVA_INT, FI_FLAGS);
    if (options.writebackCache()) {
      // The kernel handles O_APPEND itself and may read pages of a file opened for writing only.
      flags = (flags & ~OpenFlags.O_APPEND) | OpenFlags.READBACK;
    }
    return OpenFlags.of(flags);
  }

  /** Fills the open reply: the handle, and whether the kernel keeps the file's pages or bypasses them. */
  private void opened(MemorySegment fi, long ino, OpenResult r) {
    fi.set(JAVA_LONG, FI_FH, r.handle());
    int bits = fi.get(JAVA_INT, FI_BITS) & ~(FI_DIRECT_IO | FI_KEEP_CACHE);
    if (direct.opened(ino, r.handle(), fi.get(JAVA_INT, FI_FLAGS))) {
      bits |= FI_DIRECT_IO;
    } else if (r.keepCache()) {
      bits |= FI_KEEP_CACHE;
    }
    fi.set(JAVA_INT, FI_BITS, bits);
  }

  private void released(long ino, long handle) throws FsException {
    direct.released(ino, handle);
    fs.release(handle);
  }

  private int entry(MemorySegment req, InodeAttributes a) {
    return entryReplied(req, a, lib.replyEntry(req, Native.entry(Native.scratch(), a, attrTimeout, entryTimeout)));
  }

  private int entryReplied(MemorySegment req, InodeAttributes a, int rc) {
    if (rc == 0) {
      refs.add(a.id().value());
    }
    return 0;
  }

  private int attr(MemorySegment req, InodeAttributes a) {
    Native.Scratch s = Native.scratch();
    Native.fillStat(s.stat, a);
    return sent(lib.replyAttr(req, s.stat, attrTimeout));
  }

  int ok(MemorySegment req) {
    return sent(lib.replyErr(req, 0));
  }

  /** A reply was sent: whatever libfuse answered, the request is finished. */
  static int sent(int rc) {
    if (rc != 0 && log.isDebugEnabled()) {
      log.debug("reply not delivered: errno {}", -rc);
    }
    return 0;
  }

  /** Replies the funnel's errno when the body did not reply; never throws into native code. */
  void done(MemorySegment req, int result) {
    if (result < 0) {
      try {
        lib.replyErr(req, -result);
      } catch (Throwable t) {
        log.error("replying errno {} failed", -result, t);
      }
    }
  }

  private void noReply(MemorySegment req) {
    try {
      lib.replyNone(req);
    } catch (Throwable t) {
      log.error("fuse_reply_none failed", t);
    }
  }

  static InodeId id(long ino) {
    return InodeId.of(ino);
  }

  static Name name(MemorySegment p) throws FsException {
    return Name.of(Native.cBytes(p));
  }
}
