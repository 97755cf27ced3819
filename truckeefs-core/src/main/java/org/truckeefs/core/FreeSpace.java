package org.truckeefs.core;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The free space of the cache's filesystem against its floor ({@code free_space_floor}). Clean cached chunks are
 * evicted when free space falls under the floor, whatever {@code cache_size} says: with the default unlimited cache
 * they would otherwise fill the disk until writes fail.
 *
 * <p>Free space is read (a statvfs) only after {@link #CHECK_EVERY} bytes were added to the cache, so the write path
 * pays an atomic add, not a system call.
 */
final class FreeSpace {
  private static final Logger log = LoggerFactory.getLogger(FreeSpace.class);
  /** Bytes added to the cache between two reads of the free space. */
  static final long CHECK_EVERY = 1L << 20;
  /** An automatic floor is this fraction of the filesystem ... */
  private static final double AUTO_FRACTION = 0.05;
  /** ... but never more than this. */
  private static final long AUTO_MAX = 1L << 30;

  private final FileStore store;
  private final long floor;
  private final AtomicLong addedSinceCheck = new AtomicLong();

  private FreeSpace(FileStore store, long floor) {
    this.store = store;
    this.floor = floor;
  }

  /**
   * @param configured the floor in bytes, or a negative value for the automatic one (5% of the filesystem, at most
   *     1 GiB)
   */
  static FreeSpace of(Path dir, long configured) throws IOException {
    FileStore store = Files.getFileStore(dir);
    long floor = configured >= 0 ? configured
        : Math.min(AUTO_MAX, (long) (store.getTotalSpace() * AUTO_FRACTION));
    return new FreeSpace(store, floor);
  }

  long floor() {
    return floor;
  }

  /** Bytes usable now, or {@link Long#MAX_VALUE} when the filesystem cannot say. */
  long usable() {
    try {
      return store.getUsableSpace();
    } catch (IOException e) {
      log.debug("cannot read free space: {}", e.toString());
      return Long.MAX_VALUE;
    }
  }

  /** Whether {@code bytes} more would leave less than the floor free. */
  boolean wouldGoUnder(long bytes) {
    long free = usable();
    return free != Long.MAX_VALUE && underFloor(free - bytes);
  }

  /** Whether {@code free} bytes, as {@link #usable} gave them, are under the floor. */
  boolean underFloor(long free) {
    return free != Long.MAX_VALUE && free < floor;
  }

  /** Counts bytes added to the cache; true when it is time to look at the free space again. */
  boolean added(long bytes) {
    if (bytes <= 0) {
      return false;
    }
    if (addedSinceCheck.addAndGet(bytes) < CHECK_EVERY) {
      return false;
    }
    addedSinceCheck.set(0);
    return true;
  }
}
