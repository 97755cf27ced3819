package org.truckeefs.fuse;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * A mounted {@link FileSystem}. The FUSE loop runs on its own thread; when the kernel lets go of the mount
 * (unmount with {@code fusermount -u}/{@code umount}, {@link #unmount()}, or SIGTERM/SIGINT through the JVM's
 * shutdown hook) the loop ends and the filesystem is closed: dirty data flushed, daemons stopped.
 */
public final class FuseMount implements MountedFs {
  private static final Logger log = LoggerFactory.getLogger(FuseMount.class);
  private static final Duration MOUNT_WAIT = Duration.ofSeconds(20);

  private final FileSystem fs;
  private final Path mountPoint;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Thread shutdownHook;

  private FuseMount(FileSystem fs, Path mountPoint) {
    this.fs = fs;
    this.mountPoint = mountPoint;
    this.shutdownHook = new Thread(this::unmountQuietly, "truckeefs-unmount-on-exit");
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

  private static void closeAfterFailure(FileSystem fs) {
    try {
      fs.close();
    } catch (Exception e) {
      log.warn("closing the filesystem after a failed mount: {}", e.getMessage());
    }
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

  @Override
  public Path mountPoint() {
    return mountPoint;
  }

  private void start(FuseOptions options) throws FsException {
    TruckeeFuse fuse = new TruckeeFuse(fs, options);
    List<String> args = new ArrayList<>(options.toArgs(fuse.supportsLocks()));
    Thread loop = new Thread(() -> {
      try {
        fuse.mount(mountPoint, true, options.debug(), args.toArray(String[]::new));
      } catch (Throwable t) {
        failure.set(t);
      } finally {
        closeFileSystem();
        finished.countDown();
      }
    }, "truckeefs-fuse-loop");
    loop.start();
    long deadline = System.nanoTime() + MOUNT_WAIT.toNanos();
    while (!MountPoints.isMounted(mountPoint)) {
      if (finished.getCount() == 0 || System.nanoTime() > deadline) {
        if (finished.getCount() != 0) {
          MountPoints.unmount(mountPoint, true);
        }
        Throwable t = failure.get();
        throw new FsException(FsError.IO, "could not mount on " + mountPoint
            + (t == null ? " (libfuse refused; run with -vv and see the log)" : ": " + rootMessage(t)));
      }
      sleepBriefly();
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    log.info("mounted on {} ({})", mountPoint, String.join(" ", args));
  }

  @Override
  public void awaitUnmounted() throws InterruptedException {
    finished.await();
  }

  @Override
  public boolean awaitUnmounted(Duration timeout) throws InterruptedException {
    return finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean isMounted() {
    return finished.getCount() != 0;
  }

  @Override
  public void unmount() throws FsException {
    if (finished.getCount() == 0) {
      return;
    }
    if (!MountPoints.unmount(mountPoint, true)) {
      throw new FsException(FsError.BUSY, "could not unmount " + mountPoint + ": is fusermount installed?");
    }
    try {
      finished.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while waiting for the unmount of " + mountPoint);
    }
  }

  @Override
  public void close() throws FsException {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is shutting down; the hook does the same
    }
    unmount();
  }

  private void unmountQuietly() {
    try {
      unmount();
    } catch (FsException e) {
      log.warn("{}", e.getMessage());
    }
  }

  private void closeFileSystem() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    try {
      fs.close();
      log.info("unmounted {}; filesystem closed", mountPoint);
    } catch (Throwable t) {
      log.error("closing the filesystem after unmount failed: {}", t.getMessage(), t);
      failure.compareAndSet(null, t);
    }
  }

  @Override
  public Throwable failure() {
    return failure.get();
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
