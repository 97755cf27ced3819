package org.truckeefs.spi;

import java.nio.file.Path;

/**
 * Starts writing a range of a file's cached pages to its disk and returns without waiting (on Linux,
 * {@code sync_file_range(SYNC_FILE_RANGE_WRITE)}): a later fsync of the file then finds them written or in flight
 * instead of writing them all itself. It is a hint: it commits no journal and forces no device cache, so it neither
 * makes anything durable nor stalls the file's writer, and a failure is ignored.
 *
 * <p>Core uses it for chunk files written sequentially, whose bytes the local blob store will force anyway (at an
 * fsync, or within seconds by its background flush). Java has no call for it; an implementation is found with
 * {@link java.util.ServiceLoader} (the libfuse 3 adapter's module brings one, through {@code java.lang.foreign}), or
 * set in the configuration; without one nothing is started early.
 */
public interface DiskWriteback {
  /** Starts nothing. */
  DiskWriteback NONE = new DiskWriteback() {
    @Override
    public void start(Path file, long offset, long length) {}

    @Override
    public boolean available() {
      return false;
    }

    @Override
    public String toString() {
      return "none";
    }
  };

  /**
   * Starts writing bytes {@code [offset, offset + length)} of {@code file} to its disk; never blocks on the write
   * and never throws (a missing file or a filesystem without write-back is ignored).
   */
  void start(Path file, long offset, long length);

  /** Whether this one can start anything here (false: the caller may leave it out). */
  default boolean available() {
    return true;
  }
}
