package org.truckeefs.spi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;

/**
 * What a backend gets from the filesystem that creates it: time, threads and identity. Backends never create
 * their own clocks or timer threads, so tests can drive time by hand.
 *
 * @param filesystemId names this filesystem; backends namespace shared state (Redis keys, Tahoe paths) by it
 * @param dataDir a directory the backend may keep local files in (the embedded SQLite file, the local blobs)
 * @param clock wall-clock time (timestamps)
 * @param ticker monotonic time (timeouts, expiry)
 * @param scheduler for the backend's periodic work; owned by the caller, never shut down by the backend
 * @param diskWriteback starts local files' disk writes early (the local blob store's barrier starts them all before
 *     it waits for each); {@link DiskWriteback#NONE} where there is none
 */
public record BackendContext(String filesystemId, Path dataDir, Clock clock, Ticker ticker,
    ScheduledExecutorService scheduler, DiskWriteback diskWriteback) {
  public BackendContext {
    Objects.requireNonNull(filesystemId, "filesystemId");
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(ticker, "ticker");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(diskWriteback, "diskWriteback");
  }

  /** A context without early disk writes. */
  public BackendContext(String filesystemId, Path dataDir, Clock clock, Ticker ticker,
      ScheduledExecutorService scheduler) {
    this(filesystemId, dataDir, clock, ticker, scheduler, DiskWriteback.NONE);
  }
}
