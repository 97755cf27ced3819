package org.truckeefs.fuse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * A {@link FileSystem} mounted through jnr-fuse (libfuse 2's high-level API). The FUSE loop runs on its own thread;
 * when the kernel lets go of the mount the loop ends and {@link MountLifecycle} closes the filesystem: dirty data
 * flushed, daemons stopped.
 */
public final class FuseMount extends MountLifecycle {
  private static final Logger log = LoggerFactory.getLogger(FuseMount.class);
  private static final Duration MOUNT_WAIT = Duration.ofSeconds(20);

  private final AtomicReference<Throwable> loopFailure = new AtomicReference<>();
  private final CountDownLatch loopDone = new CountDownLatch(1);

  private FuseMount(FileSystem fs, Path mountPoint) {
    super(fs, mountPoint);
  }

  /**
   * Mounts {@code fs} on {@code mountPoint} and returns once the kernel serves it. A stale mount left by a killed
   * process is cleared first. Takes ownership of {@code fs}: it is closed when the mount ends, and when mounting fails.
   */
  public static FuseMount mount(FileSystem fs, Path mountPoint, FuseOptions options) throws FsException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    try {
      List<String> problems = FuseEnvironment.problems();
      if (!problems.isEmpty()) {
        throw new FsException(FsError.UNSUPPORTED, problems.get(0));
      }
      MountPoints.prepare(mp);
    } catch (FsException | RuntimeException e) {
      closeAfterFailure(fs);
      throw e;
    }
    FuseMount m = new FuseMount(fs, mp);
    m.start(options);
    return m;
  }

  /**
   * Checks that {@code mountPoint} can be mounted on (exists, empty, nothing mounted), clearing a stale mount
   * left by a killed process; one-line {@link FsException} otherwise.
   */
  public static void checkMountPoint(Path mountPoint) throws FsException {
    MountPoints.prepare(mountPoint.toAbsolutePath().normalize());
  }

  /** Whether anything is mounted exactly at {@code dir}. */
  public static boolean isMountedAt(Path dir) {
    return MountPoints.isMounted(dir.toAbsolutePath().normalize());
  }

  /** Unmounts a mount served by another process ({@code fusermount -u}, lazily if busy). */
  public static void unmountExternal(Path dir) throws FsException {
    if (!MountPoints.unmount(dir.toAbsolutePath().normalize(), true)) {
      throw new FsException(FsError.BUSY, "could not unmount " + dir + " (fusermount -u failed)");
    }
  }

  private void start(FuseOptions options) throws FsException {
    TruckeeFuse fuse = new TruckeeFuse(fs, options);
    List<String> args = new ArrayList<>(options.toArgs(fuse.supportsLocks()));
    Thread loop = new Thread(() -> {
      try {
        fuse.mount(mountPoint, true, options.debug(), args.toArray(String[]::new));
      } catch (Throwable t) {
        loopFailure.set(t);
        failed(t);
      } finally {
        try {
          loopEnded(); // closes the filesystem before a failed start() reports
        } finally {
          loopDone.countDown();
        }
      }
    }, "truckeefs-fuse-loop");
    loop.start();
    long deadline = System.nanoTime() + MOUNT_WAIT.toNanos();
    while (!MountPoints.isMounted(mountPoint)) {
      if (loopDone.getCount() == 0 || System.nanoTime() > deadline) {
        if (loopDone.getCount() != 0) {
          MountPoints.unmount(mountPoint, true);
        }
        Throwable t = loopFailure.get();
        throw new FsException(FsError.IO, "could not mount on " + mountPoint
            + (t == null ? " (libfuse refused; run with -vv and see the log)" : ": " + rootMessage(t)));
      }
      sleepBriefly();
    }
    mounted();
    log.info("mounted on {} ({})", mountPoint, String.join(" ", args));
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }

  private static void sleepBriefly() {
    try {
      Thread.sleep(10);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
