package org.truckeefs.fuse;

import java.nio.file.Path;
import java.util.List;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;

/**
 * One way of serving a {@link FileSystem} to the kernel: the jnr-fuse adapter over libfuse 2's path API, or the
 * FFM adapter over libfuse 3's low-level (inode) API in {@code truckeefs-fuse-ffm}. {@link FuseAdapters} picks one.
 */
public interface FuseAdapter {
  /** The name {@code --fuse-api} selects it by. */
  String name();

  /** Why this adapter cannot mount on this machine, one line each; empty when it can. */
  List<String> problems();

  /**
   * Mounts {@code fs} on {@code mountPoint} and returns once the kernel serves it. A stale mount left by a killed
   * process is cleared first. Takes ownership of {@code fs}: it is closed when the mount ends, and when mounting fails.
   */
  MountedFs mount(FileSystem fs, Path mountPoint, FuseOptions options) throws FsException;
}
