package org.truckeefs.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executors of one RiverFS: uploads (one drain per file, or one runner for a batch of small files: see
 * {@link UploadBatches}), puts (their size bounds concurrent blob uploads),
 * read-ahead and hashing (the running hashes of chunks being written). Each is the caller's when the config supplies it, else made here; {@link #close} shuts down only
 * those made here.
 */
final class WorkerPools implements AutoCloseable {
  final ExecutorService uploads;
  final ExecutorService puts;
  final ExecutorService readAhead;
  final ExecutorService hashers;
  private final List<ExecutorService> owned = new ArrayList<>();

  WorkerPools(RiverFsConfig config) {
    // Uploads run at the normal priority, not `nice`: fsync, syncfs, unmount and the dirty-data limit wait on them,
    // and at nice 19 on a busy host they wait for CPU that every other process takes first (benchmarks.md, Tahoe).
    this.uploads = config.uploadExecutor().orElseGet(() -> own(
        Executors.newFixedThreadPool(config.maxConnections(), threads("upload", 0))));
    this.puts = config.putExecutor().orElseGet(() -> own(
        Executors.newFixedThreadPool(config.maxConnections(), threads("put", 0))));
    this.readAhead = config.readAheadExecutor().orElseGet(() -> own(
        Executors.newFixedThreadPool(Math.max(2, config.maxConnections() / 2), threads("readahead", 0))));
    // One core fewer than the host has: hashing keeps pace with the writers it follows (one chunk of a file is
    // written at a time, so one thread per file being written), but never takes every core from them.
    this.hashers = config.hashExecutor().orElseGet(() -> own(Executors.newFixedThreadPool(
        Math.max(1, Runtime.getRuntime().availableProcessors() - 1), threads("hash", 0))));
  }

  private ExecutorService own(ExecutorService pool) {
    owned.add(pool);
    return pool;
  }

  /** Named daemon threads; {@code nice} != 0 lowers (or raises) their scheduling priority (setting nice). */
  static ThreadFactory threads(String name, int nice) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(nice == 0 ? r : BackgroundPriority.wrap(nice, r),
          "truckeefs-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** Lets the pools made here finish what they run (10 s at most each), then stops them. */
  @Override
  public void close() {
    for (ExecutorService pool : owned) {
      pool.shutdown();
    }
    for (ExecutorService pool : owned) {
      try {
        if (!pool.awaitTermination(10, TimeUnit.SECONDS)) {
          pool.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        pool.shutdownNow();
      }
    }
  }
}
