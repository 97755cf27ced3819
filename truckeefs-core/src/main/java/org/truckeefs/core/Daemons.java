package org.truckeefs.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The daemons of one RiverFS as Runnables on one scheduler (the caller's when the config supplies it, else made by
 * RiverFS and owned here): each runs with a fixed delay, first after one period. {@link #stop} cancels them all;
 * {@link #shutdown} also stops the scheduler if it is owned.
 */
final class Daemons {
  private final ScheduledExecutorService scheduler;
  private final boolean owned;
  private final List<ScheduledFuture<?>> running = new ArrayList<>();

  Daemons(ScheduledExecutorService scheduler, boolean owned) {
    this.scheduler = scheduler;
    this.owned = owned;
  }

  /** Runs {@code task} every {@code period} (fixed delay); a zero or negative period schedules nothing. */
  synchronized void every(Duration period, Runnable task) {
    long millis = period.toMillis();
    if (millis > 0) {
      running.add(scheduler.scheduleWithFixedDelay(task, millis, millis, TimeUnit.MILLISECONDS));
    }
  }

  /** Runs {@code task} once soon (an on-demand pass); nothing when shutting down. */
  void soon(Runnable task) {
    try {
      scheduler.execute(task);
    } catch (RejectedExecutionException shuttingDown) {
      // closing: the pass is not needed any more
    }
  }

  /** Cancels every daemon (a pass in progress finishes). */
  synchronized void stop() {
    for (ScheduledFuture<?> f : running) {
      f.cancel(false);
    }
    running.clear();
  }

  /** Stops the scheduler if it was made for this RiverFS; a caller's scheduler is left alone. */
  void shutdown() {
    if (owned) {
      scheduler.shutdownNow();
    }
  }
}
