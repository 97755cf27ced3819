package org.truckeefs.spi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Asks the operating system to start writing a range of a file's dirty pages to disk, without waiting for it (on
 * Linux {@code sync_file_range(SYNC_FILE_RANGE_WRITE)}). A hint: the core gives it the chunk bytes a sequential
 * writer has finished, so that a later {@code fdatasync} (the file's fsync) finds them on disk or on their way
 * instead of writing them all at once; nothing about durability rests on it.
 *
 * <p>Java 17 has no such call, so the core cannot make it itself: a module on a newer Java (the libfuse 3 adapter,
 * through {@code java.lang.foreign}) provides one with {@link ServiceLoader}, and {@link #discover} falls back to
 * {@link #NONE}.
 */
@FunctionalInterface
public interface WriteOut {
  /** Does nothing: the pages are written by the kernel's own write-back, or by the fsync. */
  WriteOut NONE = (file, offset, length) -> {};

  /**
   * Starts writing {@code [offset, offset + length)} of {@code file} to disk and returns without waiting; may block
   * briefly when the disk's queue is full. Throws when the file cannot be opened; callers treat that as "not
   * started", never as a failure of the data.
   */
  void start(Path file, long offset, long length) throws IOException;

  /** The first provider on the class path that loads on this Java, else {@link #NONE}. */
  static WriteOut discover() {
    try {
      for (ServiceLoader.Provider<WriteOut> p : (Iterable<ServiceLoader.Provider<WriteOut>>)
          ServiceLoader.load(WriteOut.class, WriteOut.class.getClassLoader()).stream()::iterator) {
        try {
          return p.get();
        } catch (ServiceConfigurationError | LinkageError unusable) {
          // compiled for a newer Java, or its native call is missing: try the next one
        }
      }
    } catch (ServiceConfigurationError | LinkageError unusable) {
      // a provider class that this Java cannot even load
    }
    return NONE;
  }
}
