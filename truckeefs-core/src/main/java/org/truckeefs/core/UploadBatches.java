package org.truckeefs.core;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads small files in batches, in one thread at a time, on a blob store whose puts are local disk writes
 * ({@link org.truckeefs.spi.BlobCapability#LOCAL_DISK}) and a metadata store with one writer. There a small file's
 * put costs tens of microseconds, less than handing it to an upload thread: the closing thread's futex wake cost it
 * 12–17 µs on a 2-vCPU VM, and each woken thread then took the store's one writer for a commit of its own, parking
 * the closing thread's next create behind it. Here the closing thread only queues the file; one runner takes what
 * queued, puts each file's snapshot in turn and commits them all in one store call.
 *
 * <p>The runner does not wake per file: between batches it sleeps {@link #GATHER_NANOS} on a timer, so files closed
 * meanwhile wait at most that long, and a burst costs one wake of the runner per batch, not one per file. After
 * {@link #IDLE_ROUNDS} empty rounds it leaves the executor's thread; the next file submits it again. A file the
 * batch cannot finish (another drain holds it, a failed put, another host's newer version, more snapshots queued)
 * goes back to the per-file path, which retries, rebases and reports as for any other file.
 *
 * <p>Why a timer and not a hand-off per file: a runner woken per file would be the same wake the upload pool paid;
 * one that polls without sleeping took more CPU than the wakes it saved (benchmarks.md, tenth session).
 */
final class UploadBatches {
  private static final Logger log = LoggerFactory.getLogger(UploadBatches.class);
  /** How long the runner sleeps between batches: an upload starts at most this much later. */
  static final long GATHER_NANOS = 1_000_000;
  /** How many empty rounds the runner waits before it leaves: a pause in a burst does not cost a new submission. */
  static final int IDLE_ROUNDS = 3;
  /** The most files one batch takes, as {@link CommitBatches#MAX_BATCH} bounds one store call. */
  static final int MAX_FILES = CommitBatches.MAX_BATCH;

  private final Executor runner;
  private final Function<List<OpenFile>, List<OpenFile>> drainTogether;
  private final Consumer<OpenFile> alone;
  private final Consumer<OpenFile> afterDrain;
  private final ConcurrentLinkedQueue<OpenFile> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean running = new AtomicBoolean();

  /**
   * @param runner where the runner runs (the upload pool: it takes one of its threads while files come)
   * @param drainTogether uploads and commits the head snapshot of each file; returns those it left
   * @param alone submits a file to the per-file path
   * @param afterDrain told of every file the batch finished
   */
  UploadBatches(Executor runner, Function<List<OpenFile>, List<OpenFile>> drainTogether, Consumer<OpenFile> alone,
      Consumer<OpenFile> afterDrain) {
    this.runner = runner;
    this.drainTogether = drainTogether;
    this.alone = alone;
    this.afterDrain = afterDrain;
  }

  /** Queues a file whose upload was submitted ({@link OpenFile#drainQueued} set by the caller). */
  void add(OpenFile f) {
    queue.add(f);
    if (running.compareAndSet(false, true)) {
      start();
    }
  }

  private void start() {
    try {
      runner.execute(this::run);
    } catch (RejectedExecutionException closing) {
      running.set(false);
      // closing: the queued files' data stays pending and journaled, as for a failed upload
      for (OpenFile f; (f = queue.poll()) != null; ) {
        f.drainQueued.set(false);
      }
    }
  }

  private void run() {
    int idle = 0;
    while (true) {
      List<OpenFile> batch = new ArrayList<>();
      for (OpenFile f; batch.size() < MAX_FILES && (f = queue.poll()) != null; ) {
        f.drainQueued.set(false); // a close from now on submits it again
        batch.add(f);
      }
      if (!batch.isEmpty()) {
        idle = 0;
        runBatch(batch);
        continue;
      }
      if (++idle > IDLE_ROUNDS) {
        running.set(false);
        // a file queued after the poll above and before the flag fell found the runner running: take it back
        if (queue.isEmpty() || !running.compareAndSet(false, true)) {
          return;
        }
        idle = 0;
        continue;
      }
      LockSupport.parkNanos(this, GATHER_NANOS);
    }
  }

  /**
   * Never throws: a runner that died with {@link #running} set would leave every later small file queued, and a
   * queued file is not resubmitted by the retry daemon ({@link OpenFile#drainQueued} stays set).
   */
  private void runBatch(List<OpenFile> batch) {
    List<OpenFile> left;
    try {
      left = drainTogether.apply(batch);
    } catch (RuntimeException e) {
      log.error("a batch of {} uploads failed unexpectedly; each goes its own way", batch.size(), e);
      left = batch;
    }
    for (OpenFile f : batch) {
      if (!left.contains(f)) {
        try {
          afterDrain.accept(f);
        } catch (RuntimeException e) {
          log.error("cleanup after the upload of {} failed unexpectedly", f.id, e);
        }
      }
    }
    for (OpenFile f : left) {
      alone.accept(f); // the per-file path: a rejection there leaves the file pending for the retry daemon
    }
  }
}
