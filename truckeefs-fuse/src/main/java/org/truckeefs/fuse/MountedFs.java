package org.truckeefs.fuse;

import java.nio.file.Path;
import java.time.Duration;
import org.truckeefs.api.FsException;

/**
 * A {@link org.truckeefs.api.FileSystem} the kernel serves through one of the {@link FuseAdapter}s. When the kernel
 * lets go of the mount (unmount, {@link #unmount()}, SIGTERM/SIGINT through the JVM's shutdown hook) the FUSE loop
 * ends and the filesystem is closed.
 */
public interface MountedFs extends AutoCloseable {
  Path mountPoint();

  /** Blocks until the mount has ended and the filesystem is closed. */
  void awaitUnmounted() throws InterruptedException;

  boolean awaitUnmounted(Duration timeout) throws InterruptedException;

  boolean isMounted();

  /** Unmounts (lazily if busy) and waits until the filesystem is closed. */
  void unmount() throws FsException;

  /** The failure of the mount loop or of closing the filesystem, if any. */
  Throwable failure();

  /** Removes the shutdown hook and unmounts. */
  @Override
  void close() throws FsException;
}
