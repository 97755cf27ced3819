package org.truckeefs.fuse.ffm;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.LockRange;
import org.truckeefs.fuse.FuseCalls;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.fuse.MountLifecycle;

/**
 * A {@link FileSystem} mounted through libfuse 3's low-level API: {@code fuse_session_new} and
 * {@code fuse_session_mount} here, then {@code fuse_session_loop_mt} on the thread {@code truckeefs-fuse-loop}
 * with a fixed pool of libfuse workers (each with its own /dev/fuse descriptor). When the kernel lets go of the
 * mount the loop returns, the invalidator stops, the session is destroyed and the filesystem closed.
 */
final class FfmMount extends MountLifecycle {
  private static final Logger log = LoggerFactory.getLogger(FfmMount.class);

  private final LibFuse3 lib;
  private final Arena arena = Arena.ofShared();
  private final InodeRefs refs = new InodeRefs();
  private MemorySegment session = MemorySegment.NULL;
  private Invalidator invalidator;
  private XattrAbsence xattrAbsence;
  private org.truckeefs.api.Subscription xattrWatch = org.truckeefs.api.Subscription.NONE;

  private FfmMount(FileSystem fs, Path mountPoint, LibFuse3 lib) {
    super(fs, mountPoint);
    this.lib = lib;
  }

  /** See {@link org.truckeefs.fuse.FuseAdapter#mount}. */
  static FfmMount mount(FileSystem fs, Path mountPoint, FfmOptions options) throws FsException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    FfmMount m = null;
    try {
      FuseMount.checkMountPoint(mp);
      m = new FfmMount(fs, mp, LibFuse3.get());
      m.start(options);
      return m;
    } catch (FsException | RuntimeException | LinkageError e) {
      if (m != null) {
        m.abandon();
      }
      closeAfterFailure(fs);
      throw e instanceof FsException fe ? fe
          : new FsException(FsError.IO, "could not mount on " + mp + ": " + e.getMessage());
    }
  }

  InodeRefs refs() {
    return refs;
  }

  private void start(FfmOptions options) throws FsException {
    LowLevelOps ll = new LowLevelOps(fs, new FuseCalls(options.base().slowCall(), options.base().meters()), lib, options, refs);
    xattrAbsence = new XattrAbsence(options.attrTimeout());
    XattrLockOps xl = new XattrLockOps(ll, xattrAbsence);
    MemorySegment ops = FfmFuse.ops(arena, ll, xl, supportsLocks(fs));
    List<String> argv = options.args();
    MemorySegment args = arena.allocate(LibFuse3.ARGS_SIZE, 8);
    MemorySegment vec = arena.allocate(ADDRESS, argv.size() + 1);
    for (int i = 0; i < argv.size(); i++) {
      vec.setAtIndex(ADDRESS, i, arena.allocateFrom(argv.get(i)));
    }
    args.set(JAVA_INT, 0, argv.size());
    args.set(ADDRESS, LibFuse3.ARGS_ARGV, vec);
    session = lib.sessionNew(args, ops, LibFuse3.OPS_SIZE, MemorySegment.NULL);
    if (session.equals(MemorySegment.NULL)) {
      throw new FsException(FsError.INVALID, "libfuse 3 refused the mount options " + String.join(" ", argv.subList(1, argv.size())));
    }
    if (lib.sessionMount(session, arena.allocateFrom(mountPoint.toString())) != 0) {
      throw new FsException(FsError.IO, "could not mount on " + mountPoint + " (libfuse 3 said why on stderr)");
    }
    Readahead.widen(mountPoint, options.maxWrite() / 1024); // one read-ahead window = one largest READ request
    invalidator = new Invalidator(lib, session, refs);
    MemorySegment cfg = lib.loopCfgCreate(options.workers(), options.cloneFd());
    Thread loop = new Thread(() -> {
      try {
        int rc = lib.sessionLoopMt(session, cfg);
        if (rc != 0) {
          log.debug("FUSE loop ended with {}", rc);
        }
      } catch (Throwable t) {
        failed(t);
      } finally {
        end(cfg);
      }
    }, "truckeefs-fuse-loop");
    loop.start();
    invalidator.start(fs);
    xattrWatch = fs.watch(xattrAbsence::on);
    mounted();
    log.info("mounted on {} (libfuse 3 low level, {} workers, {})", mountPoint, options.workers(), String.join(" ", argv.subList(1, argv.size())));
  }

  /** After the loop: no request runs any more, so the session, the stubs and the filesystem can go. */
  private void end(MemorySegment cfg) {
    try {
      invalidator.close();
      xattrWatch.close();
      lib.sessionUnmount(session);
      lib.sessionDestroy(session);
      lib.loopCfgDestroy(cfg);
    } catch (Throwable t) {
      failed(t);
    } finally {
      try {
        loopEnded();
      } finally {
        arena.close();
      }
    }
  }

  /** A mount that failed before its loop started. */
  private void abandon() {
    if (!session.equals(MemorySegment.NULL)) {
      lib.sessionUnmount(session);
      lib.sessionDestroy(session);
    }
    abandoned();
    arena.close();
  }

  private static boolean supportsLocks(FileSystem fs) {
    try {
      fs.getlk(-1, 0, new LockRange(LockRange.Type.READ, 0, 0, 0));
      return true;
    } catch (FsException e) {
      return e.error() != FsError.UNSUPPORTED;
    } catch (RuntimeException e) {
      return false;
    }
  }
}
