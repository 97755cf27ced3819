package org.truckeefs.spi;

import java.util.List;
import java.util.Map;
import org.truckeefs.api.FsException;

/**
 * A browsable copy of the namespace kept by a blob store with {@link BlobCapability#NAMESPACE_MIRROR} (Tahoe's
 * MIRROR strategy: a Tahoe directory per directory, each file linked by name to one whole-file cap). Core decides
 * what to mirror and when, from one writer thread; the store only applies single steps. Directory and file handles
 * are the store's (for Tahoe, capabilities): secrets, never logged.
 */
public interface NamespaceMirror {
  /** A child of a mirrored directory. */
  record Child(boolean directory, String handle, long size) {
    @Override
    public String toString() {
      return "Child[" + (directory ? "directory" : size + " bytes") + "]";
    }
  }

  /** The handle of the mirror's root directory. */
  String root();

  /** The children of a mirrored directory. */
  Map<String, Child> list(String dir) throws FsException;

  /** The directory {@code name} in {@code dir}: the existing one, or a new empty one; never replaces. */
  String mkdir(String dir, String name) throws FsException;

  /** Links {@code name} in {@code dir} to the file {@code file}, replacing a file of that name. */
  void link(String dir, String name, String file) throws FsException;

  /** Removes the name; a missing name is not an error. */
  void unlink(String dir, String name) throws FsException;

  /** Moves a name, replacing what {@code toName} named. ENOENT when {@code name} is not in {@code fromDir}. */
  void rename(String fromDir, String name, String toDir, String toName) throws FsException;

  /** Extends the lease of a mirrored directory or file (Tahoe frees what is not renewed); a no-op by default. */
  default void renewLease(String handle) throws FsException {}

  /**
   * Stores a whole file made of the given chunks (holes read as zeros), streamed, and returns its handle.
   *
   * @param chunkSize the filesystem's chunk size (chunk {@code i} starts at {@code i * chunkSize})
   */
  String storeFile(List<ChunkRef> chunks, long chunkSize, long size) throws FsException;
}
