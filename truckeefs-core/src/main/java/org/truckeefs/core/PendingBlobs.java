package org.truckeefs.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.spi.DiskWriteback;

/**
 * The local blob store's write-back: blobs whose names were made without forcing them, and the barrier that forces
 * them. A put only makes the name (hard link or rename) and remembers it here; {@link #barrier} forces every
 * remembered blob's data ({@code fdatasync}), then their fan-out directories (and the store's directory for a
 * fan-out directory it has not forced since this store opened) in one {@link DirSync} round, then forgets them.
 *
 * <p>The window is bounded as a local filesystem bounds its own write-back: a background flush on the filesystem's
 * scheduler runs the barrier at most {@link #MAX_AGE} after a blob became pending (ext4 commits its journal every
 * 5 s) and as soon as {@link #MAX_BYTES} are pending, so an fsync never has to force more than about that much at
 * once.
 *
 * <p>No lock is held across a force, and puts never wait for one: the map and counters are concurrent; a barrier
 * forces a snapshot of the map and removes exactly the entries it forced (an entry replaced meanwhile stays for the
 * next barrier). Barriers take turns: one that arrives while another runs (an fsync during the background flush)
 * waits for it, then forces only what is still pending, so no file is forced twice (measured: two concurrent
 * barriers had doubled the forces of a 256 MiB write).
 */
final class PendingBlobs {
  private static final Logger log = LoggerFactory.getLogger(PendingBlobs.class);

  /**
   * The longest a blob stays unforced: ext4's default journal commit interval, so the local store's power-loss
   * window for closed-but-unsynced data is about the same as the disk under it.
   */
  static final Duration MAX_AGE = Duration.ofSeconds(5);
  /**
   * Bytes pending that start a background flush at once: 128 chunks of the default 4 MiB, below the point where
   * the kernel itself starts writing back (10% of memory by default). Not smaller: a flush forces while the writer
   * goes on, and ext4 stalls a writer's block allocations behind each journal commit; at 64 MiB a 256 MiB sequential
   * write through the mount forced four times while writing and ran at 249–279 MB/s, against 299–396 MB/s with no
   * flush before its fsync (interleaved A/B, 2026-12-05). The time bound, {@link #MAX_AGE}, is what bounds the
   * power-loss window; this bounds how much an fsync after a large write must force at once.
   */
  static final long MAX_BYTES = 512L << 20;
  /** How many names a barrier of this store made durable are remembered (so a dedup hit on them costs nothing). */
  private static final int DURABLE_MEMORY = 65_536;

  /** Forces one file's data ({@code fdatasync}); a seam for tests. */
  interface DataForcer {
    void force(Path file) throws IOException;
  }

  /** A pending blob. Identity equality: a barrier removes only the entry it forced, never a newer one. */
  private static final class Entry {
    final Path path;
    final long size;

    Entry(Path path, long size) {
      this.path = path;
      this.size = size;
    }
  }

  private final Path dir;
  private final DataForcer dataForcer;
  private final DirSync dirSync;
  /** Starts every blob's disk write before the barrier waits for the first (see {@link #forcePending}). */
  private final DiskWriteback writeback;
  private final ScheduledExecutorService scheduler;
  private final long maxAgeMillis;
  private final long maxBytes;
  private final ConcurrentHashMap<String, Entry> pending = new ConcurrentHashMap<>();
  private final AtomicLong pendingBytes = new AtomicLong();
  private final AtomicBoolean timerArmed = new AtomicBoolean();
  private final AtomicBoolean sizeFlushQueued = new AtomicBoolean();
  private volatile ScheduledFuture<?> timer;
  private volatile boolean closed;
  /** Names a barrier of this store forced (bounded: cleared when full; forgetting one only costs a stat). */
  private final Set<String> durable = ConcurrentHashMap.newKeySet();
  /** Barriers run one at a time (puts never wait for one); guards {@link #barrierRunning}. */
  private final Object turn = new Object();
  private boolean barrierRunning;
  /** Fan-out directories whose entry in {@link #dir} a barrier forced since this store opened; guarded by itself. */
  private final BitSet fanOutsInDir = new BitSet(256);

  /**
   * @param scheduler runs the background flush; null for none (then only {@link #barrier} forces)
   * @param writeback starts the blobs' disk writes at the start of a barrier; {@link DiskWriteback#NONE} for none
   */
  PendingBlobs(Path dir, DataForcer dataForcer, DirSync dirSync, ScheduledExecutorService scheduler,
      Duration maxAge, long maxBytes, DiskWriteback writeback) {
    this.dir = dir;
    this.dataForcer = dataForcer;
    this.dirSync = dirSync;
    this.writeback = writeback;
    this.scheduler = scheduler;
    this.maxAgeMillis = Math.max(1, maxAge.toMillis());
    this.maxBytes = maxBytes;
  }

  /** Remembers a blob whose name was just made (or found) and whose bytes and name may not be durable. */
  void add(String hex, Path path, long size) {
    Entry old = pending.put(hex, new Entry(path, size));
    long bytes = pendingBytes.addAndGet(size - (old == null ? 0 : old.size));
    durable.remove(hex);
    if (scheduler == null || closed) {
      return;
    }
    armTimer();
    if (bytes >= maxBytes && sizeFlushQueued.compareAndSet(false, true)) {
      try {
        scheduler.execute(() -> {
          sizeFlushQueued.set(false);
          if (!closed) {
            flushQuietly("size");
          }
        });
      } catch (RejectedExecutionException closing) {
        // the filesystem is closing; its close runs the barrier
      }
    }
  }

  /** Schedules the timed flush unless one is scheduled already. */
  private void armTimer() {
    if (timerArmed.compareAndSet(false, true)) {
      try {
        timer = scheduler.schedule(this::timedFlush, maxAgeMillis, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        timerArmed.set(false); // the filesystem is closing; its close runs the barrier
      }
    }
  }

  /** The blob is pending: a barrier will force it (a dedup hit on it needs nothing more). */
  boolean isPending(String hex) {
    return pending.containsKey(hex);
  }

  /** A barrier of this store forced the blob since it was last made or found. */
  boolean isDurable(String hex) {
    return durable.contains(hex);
  }

  /** The blob was deleted: nothing to force any more. */
  void forget(String hex) {
    durable.remove(hex);
    Entry e = pending.remove(hex);
    if (e != null) {
      pendingBytes.addAndGet(-e.size);
    }
  }

  long pendingBytes() {
    return pendingBytes.get();
  }

  int pendingCount() {
    return pending.size();
  }

  /**
   * Forces every blob pending when it is called: each one's data, then in one round their fan-out directories (and
   * the store's directory for fan-out directories not forced into it since this store opened). A blob deleted
   * meanwhile is skipped: nothing names it.
   */
  void barrier() throws IOException {
    synchronized (turn) {
      while (barrierRunning) {
        try {
          turn.wait(); // what the running barrier forces is forgotten when it ends: ours forces only the rest
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new InterruptedIOException("interrupted while waiting for a blob barrier");
        }
      }
      barrierRunning = true;
    }
    try {
      forcePending();
    } finally {
      synchronized (turn) {
        barrierRunning = false;
        turn.notifyAll();
      }
    }
  }

  private void forcePending() throws IOException {
    List<Map.Entry<String, Entry>> batch = new ArrayList<>(pending.entrySet());
    if (batch.isEmpty()) {
      return;
    }
    if (batch.size() > 1 && writeback.available()) {
      // Start them all, then wait for each: one fdatasync after another would each write its file alone and then
      // wait for it, the disk's queue never holding more than one file (a 256 MiB write's fsync: benchmarks.md)
      for (Map.Entry<String, Entry> e : batch) {
        writeback.start(e.getValue().path, 0, e.getValue().size);
      }
    }
    Set<Path> dirs = new LinkedHashSet<>();
    BitSet fanOuts = new BitSet(256);
    for (Map.Entry<String, Entry> e : batch) {
      try {
        dataForcer.force(e.getValue().path);
      } catch (NoSuchFileException released) {
        continue;
      }
      fanOuts.set(Integer.parseInt(e.getKey().substring(0, 2), 16));
    }
    BitSet newInDir;
    synchronized (fanOutsInDir) {
      newInDir = (BitSet) fanOuts.clone();
      newInDir.andNot(fanOutsInDir);
    }
    if (!newInDir.isEmpty()) {
      dirs.add(dir); // the fan-out directory's own name
    }
    for (int i = fanOuts.nextSetBit(0); i >= 0; i = fanOuts.nextSetBit(i + 1)) {
      dirs.add(dir.resolve(String.format("%02x", i)));
    }
    dirSync.force(dirs);
    synchronized (fanOutsInDir) {
      fanOutsInDir.or(fanOuts);
    }
    if (durable.size() > DURABLE_MEMORY) {
      durable.clear();
    }
    for (Map.Entry<String, Entry> e : batch) {
      if (pending.remove(e.getKey(), e.getValue())) {
        pendingBytes.addAndGet(-e.getValue().size);
        durable.add(e.getKey());
      }
    }
  }

  private void timedFlush() {
    timerArmed.set(false); // blobs added from here on arm the next timer
    if (!closed) {
      flushQuietly("timed");
    }
  }

  /**
   * No background flush from now on (the caller's scheduler may outlive this store); the store's close runs the
   * last barrier itself.
   */
  void close() {
    closed = true;
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void flushQuietly(String why) {
    try {
      barrier();
    } catch (IOException | RuntimeException e) {
      // they stay pending: the next barrier (fsync, the next flush) tries again and reports its own failure
      log.warn("{} flush of the local blob store's pending blobs failed: {}", why, e.getMessage());
      if (!pending.isEmpty()) {
        armTimer();
      }
    }
  }

  /** One file's data force: {@code fdatasync} (the bytes and the size and extents needed to read them). */
  static void fdatasync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ch.force(false);
    }
  }
}
