package org.truckeefs.core;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * Gives a deleted or overwritten file's space back within a fraction of a second, as a local filesystem does, where
 * the {@link BlobCollector} waits for its grace period (an hour by default). Only exact on a sole host whose blob
 * store names blobs by their SHA-256 ({@link BlobStore#nameOf}): there every upload that could reuse a blob is this
 * process's, and it pins the blob's name in {@link BlobPins} from before its put until its commit counted the
 * reference. On other setups this class is {@link #OFF} and the collector's grace guards the same race in time.
 *
 * <p>The blobs a commit or a purge left unreferenced are queued here after the commit was applied (so no reader of
 * this host still resolves them; see {@link OpenFile}) and released by one pass {@link #DELAY} later, which gathers
 * the blobs of a burst of unlinks: per blob not pinned, it marks the name as being released, takes the blob from the
 * store if its count is still 0 ({@link MetadataStore#takeUnreferenced}), then after one {@link Durability#barrier}
 * for the pass (the commits that dropped the blobs must be durable before the blobs go, as in the collector; taking
 * first leaves no commit that could still drop or add them) deletes it with its cache entry. A pinned blob is tried
 * again at the next pass, {@link #MAX_TRIES} times, then left to the collector.
 *
 * <p>Locks: the queue's monitor (leaf, never held across I/O); {@link #passLock} makes passes and {@link #close} one
 * at a time and is held across the pass's store calls and barrier (nothing on a request's path takes it). An upload
 * of the same bytes waits in {@link BlobPins#pin} while its blob is being released, at most for one barrier.
 */
final class PromptRelease {
  private static final Logger log = LoggerFactory.getLogger(PromptRelease.class);
  /** How long a pass waits after the first blob queued: the unlinks of one `rm -r` share its barrier. */
  static final Duration DELAY = Duration.ofMillis(200);
  static final int MAX_TRIES = 50;
  private static final int BATCH = 500;

  static final PromptRelease OFF = new PromptRelease(null, null, null, null, null);

  private final MetadataStore meta;
  private final BlobStore blobs;
  private final ChunkCache cache;
  private final Durability durability;
  private final ScheduledExecutorService scheduler;
  private final BlobPins pins = new BlobPins();
  private final ReentrantLock passLock = new ReentrantLock();

  // @GuardedBy("queued"): each queued blob with the passes that found it pinned
  private final Map<BlobRef, Integer> queued = new LinkedHashMap<>();
  // @GuardedBy("queued")
  private ScheduledFuture<?> scheduled;
  // @GuardedBy("queued")
  private boolean closed;

  /** Active when every argument is non-null (see {@link #OFF}). */
  PromptRelease(MetadataStore meta, BlobStore blobs, ChunkCache cache, Durability durability,
      ScheduledExecutorService scheduler) {
    this.meta = meta;
    this.blobs = blobs;
    this.cache = cache;
    this.durability = durability;
    this.scheduler = scheduler;
  }

  /**
   * Prompt release where it is wanted and exact: {@code wanted} (a sole host, no grace period set: no other host
   * uploads to these stores) and a store that names blobs by digest; {@link #OFF} otherwise.
   */
  static PromptRelease where(boolean wanted, MetadataStore meta, BlobStore blobs, ChunkCache cache,
      Durability durability, ScheduledExecutorService scheduler) {
    boolean named = blobs.nameOf(new byte[32]).isPresent();
    return wanted && named ? new PromptRelease(meta, blobs, cache, durability, scheduler) : OFF;
  }

  boolean active() {
    return meta != null;
  }

  /**
   * Pins the name of the bytes whose SHA-256 is {@code sha256} for an upload (see {@link BlobPins}), waiting while
   * that blob is being released; the caller unpins it once its commit is done or abandoned. Null when this is off.
   */
  BlobRef pin(byte[] sha256) throws FsException {
    if (!active()) {
      return null;
    }
    BlobRef ref = blobs.nameOf(sha256).orElseThrow(() -> new IllegalStateException("the store names no digest"));
    try {
      pins.pin(ref);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while a blob of the same content was released");
    }
    return ref;
  }

  void unpin(BlobRef ref) {
    pins.unpin(ref);
  }

  /** Queues blobs a commit or purge left unreferenced, once the commit is applied on this host. */
  void unreferenced(Collection<BlobRef> refs) {
    if (!active() || refs.isEmpty()) {
      return;
    }
    synchronized (queued) {
      if (closed) {
        return;
      }
      for (BlobRef r : refs) {
        queued.putIfAbsent(r, 0);
      }
      scheduleLocked();
    }
  }

  // @GuardedBy("queued")
  private void scheduleLocked() {
    if (scheduled == null && !queued.isEmpty()) {
      try {
        scheduled = scheduler.schedule(this::run, DELAY.toMillis(), TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException stopping) {
        queued.clear(); // closing: the collector takes them at a later start
      }
    }
  }

  private void run() {
    try {
      releaseQueued();
    } catch (RuntimeException e) {
      log.warn("prompt blob release failed: {}", e.toString());
    }
  }

  /** One pass now (the scheduled one, and tests): releases what is queued and not pinned; returns how many. */
  int releaseQueued() {
    passLock.lock();
    try {
      Map<BlobRef, Integer> batch;
      synchronized (queued) {
        scheduled = null;
        if (closed || queued.isEmpty()) {
          return 0;
        }
        batch = new LinkedHashMap<>(queued);
        queued.clear();
      }
      List<BlobRef> begun = new ArrayList<>();
      Map<BlobRef, Integer> again = new LinkedHashMap<>();
      for (Map.Entry<BlobRef, Integer> e : batch.entrySet()) {
        if (pins.beginRelease(e.getKey())) {
          begun.add(e.getKey());
        } else if (e.getValue() + 1 < MAX_TRIES) {
          again.put(e.getKey(), e.getValue() + 1); // an upload of the same bytes is in flight: its commit decides
        }
      }
      int released = 0;
      try {
        released = release(begun);
      } catch (FsException e) {
        log.warn("prompt blob release failed, the blob collector will retry: {}", e.getMessage());
      } finally {
        begun.forEach(pins::endRelease);
      }
      if (!again.isEmpty()) {
        synchronized (queued) {
          if (!closed) {
            again.forEach(queued::putIfAbsent);
            scheduleLocked();
          }
        }
      }
      return released;
    } finally {
      passLock.unlock();
    }
  }

  /** Takes, makes durable, then deletes; a blob the store would not give up (referenced again) is left alone. */
  private int release(List<BlobRef> refs) throws FsException {
    List<BlobRef> taken = new ArrayList<>();
    for (int i = 0; i < refs.size(); i += BATCH) {
      taken.addAll(meta.takeUnreferenced(refs.subList(i, Math.min(refs.size(), i + BATCH))));
    }
    if (taken.isEmpty()) {
      return 0;
    }
    durability.barrier();
    BlobCollector.deleteTaken(taken, blobs, cache);
    return taken.size();
  }

  /** Blobs waiting for a pass (for tests). */
  int queuedCount() {
    synchronized (queued) {
      return queued.size();
    }
  }

  /** Names pinned or being released (for tests). */
  int pinnedCount() {
    return pins.size();
  }

  /** Drops the queue (the collector takes those blobs after its grace) and waits for a running pass. */
  void close() {
    if (!active()) {
      return;
    }
    synchronized (queued) {
      closed = true;
      queued.clear();
      if (scheduled != null) {
        scheduled.cancel(false);
        scheduled = null;
      }
    }
    passLock.lock();
    passLock.unlock();
  }
}
