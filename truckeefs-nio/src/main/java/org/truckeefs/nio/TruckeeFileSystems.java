package org.truckeefs.nio;

import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.ProviderNotFoundException;
import java.nio.file.spi.FileSystemProvider;
import org.truckeefs.api.Caller;

/**
 * What {@link FileSystems#newFileSystem(java.net.URI, java.util.Map)} cannot say: a {@code java.nio} view of a
 * filesystem the application opened itself, and a view acting as another user.
 */
public final class TruckeeFileSystems {
  private TruckeeFileSystems() {}

  /** The installed provider (the one {@code FileSystems} uses for {@code truckeefs:} URIs). */
  public static TruckeeFileSystemProvider provider() {
    for (FileSystemProvider p : FileSystemProvider.installedProviders()) {
      if (p instanceof TruckeeFileSystemProvider t) {
        return t;
      }
    }
    throw new ProviderNotFoundException("truckeefs-nio is not on the class path as a FileSystemProvider");
  }

  /**
   * Registers {@code fs} under {@code truckeefs://name}, acting as root. Closing the returned view unregisters it
   * and leaves {@code fs} open: whoever opened it closes it.
   */
  public static TruckeeFileSystem wrap(String name, org.truckeefs.api.FileSystem fs) {
    return provider().register(name, fs, Caller.ROOT);
  }

  /**
   * The same filesystem acting as {@code caller} (uid, gid, groups): permission checks and the owner of new files
   * are that user's. The view is not registered under a URI; closing it closes nothing.
   */
  public static TruckeeFileSystem as(FileSystem fs, Caller caller) {
    if (!(fs instanceof TruckeeFileSystem t)) {
      throw new IllegalArgumentException("not a truckeefs filesystem: " + fs);
    }
    return t.as(caller);
  }
}
