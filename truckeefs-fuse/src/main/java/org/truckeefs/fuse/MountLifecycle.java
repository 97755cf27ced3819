package org.truckeefs.fuse;

import java.nio.file.Path;
import java.time.Duration;
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
 * What both adapters' mounts share once their FUSE loop runs: the end of the loop closes the filesystem once and
 * releases whoever awaits the unmount; {@link #unmount()} asks the kernel to let go; a JVM exit (SIGTERM, or an
 * error) unmounts through a shutdown hook. The subclass starts its loop and calls {@link #loopEnded} from it.
 */
public abstract class MountLifecycle implements MountedFs {
  private static final Logger log = LoggerFactory.getLogger(MountLifecycle.class);
  /** How long the exit waits for the loop to end and the filesystem to close (its uploads drain meanwhile). */
  private static final Duration EXIT_WAIT = Duration.ofSeconds(60);

  protected final FileSystem fs;
  protected final Path mountPoint;
  private final CountDownLatch finished = new CountDownLatch(1);
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::unmountOnExit, "truckeefs-unmount-on-exit");

  protected MountLifecycle(FileSystem fs, Path mountPoint) {
    this.fs = fs;
    this.mountPoint = mountPoint;
  }

  /** Once the kernel serves the mount: a JVM exit unmounts it from now on. */
  protected final void mounted() {
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Records why the loop or its teardown failed (the first reason wins). */
  protected final void failed(Throwable t) {
    failure.compareAndSet(null, t);
  }

  /** From the loop's thread as it ends: no request runs any more; closes the filesystem, then releases waiters. */
  protected final void loopEnded() {
    try {
      closeFileSystem();
    } finally {
      finished.countDown();
    }
  }

  /** Marks the filesystem as not this mount's to close (a mount that failed closes it itself). */
  protected final void abandoned() {
    closed.set(true);
  }

  @Override
  public Path mountPoint() {
    return mountPoint;
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
    if (MountPoints.isMounted(mountPoint) && !MountPoints.unmount(mountPoint, true)) {
      throw new FsException(FsError.BUSY, "could not unmount " + mountPoint + " (fusermount -u failed)");
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

  @Override
  public Throwable failure() {
    return failure.get();
  }

  /**
   * The JVM is exiting: unmount and let the loop close the filesystem, but only for so long. A request that never
   * got its answer (its worker died with the error that ends the JVM) keeps the loop from ending, and an unbounded
   * wait here would hang the exit; what close() returned is journaled, so leaving is safe.
   */
  private void unmountOnExit() {
    try {
      if (finished.getCount() != 0 && MountPoints.isMounted(mountPoint)) {
        MountPoints.unmount(mountPoint, true);
      }
      if (!finished.await(EXIT_WAIT.toSeconds(), TimeUnit.SECONDS)) {
        log.warn("the FUSE loop on {} did not end within {} s of the exit; leaving without it (closed files are"
            + " journaled and recovered at the next start)", mountPoint, EXIT_WAIT.toSeconds());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeFileSystem() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      fs.close();
      log.info("unmounted {}; filesystem closed", mountPoint);
    } catch (Throwable t) {
      log.error("closing the filesystem after unmount failed: {}", t.getMessage(), t);
      failed(t);
    }
  }

  /** Closes a filesystem whose mount failed (mounting takes ownership of it either way). */
  protected static void closeAfterFailure(FileSystem fs) {
    try {
      fs.close();
    } catch (Exception e) {
      log.warn("closing the filesystem after a failed mount: {}", e.getMessage());
    }
  }
}
