package org.truckeefs.core;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.Ticker;

/**
 * The write-back pipeline, the only owner of a file's way from the cache to the blob store: seal (the dirty layer
 * becomes an immutable snapshot) → journal (a record in the local {@link WriteBackJournal} names its cache files, so
 * a process crash loses nothing; one write, no sync, no store transaction) → upload (chunks in parallel,
 * {@code max_connections} at a time) → commit (one compare-and-set that also records the snapshot's commit mark, in
 * the store's transaction) → done (the journal record is closed) → cleanup (the uploaded files become clean cache
 * entries; an idle file leaves the open-file table). A journal record is closed here and only here
 * ({@link #forget}): after its commit, or when it will never be committed (a purged file, an entry recovery cannot
 * use). The journal is compacted in the background when it outgrows its bound; the store then forgets the commit
 * marks the compacted journal no longer needs.
 *
 * <p>close() ({@link #closed}) seals and journals, then uploads in the background; fsync, lock release and
 * revalidation ({@link #commitNow}) wait for the commit. {@link Uploader} does the uploads and commits.
 *
 * <p>Locking: no lock of its own. Sealing takes {@link OpenFile#lock} only to cut the snapshot; the journal append
 * runs under {@link OpenFile#journalLock}, which orders one file's records and never blocks its readers or writers;
 * uploads and commits run under {@link OpenFile#uploadLock}.
 */
final class WriteBack {
  private static final Logger log = LoggerFactory.getLogger(WriteBack.class);
  /**
   * The largest chunk a batched upload takes: one whose digest the running hash does not know is hashed by the
   * batch's thread, and the files after it in the batch wait for that; 256 KiB take 0.27 ms on a 2-vCPU VM with
   * SHA-NI, about the runner's sleep between batches.
   */
  static final long SMALL_BYTES = 256 * 1024;

  private final MetadataStore meta;
  private final OpenFiles files;
  private final DirtyLimit dirtyLimit;
  private final String hostId;
  private final Clock clock;
  private final Ticker ticker;
  private final ExecutorService drainPool;
  private final Uploader uploader;
  /** Null unless small files upload in batches (a local blob store and a store with one writer). */
  private final UploadBatches batches;
  private final WriteBackJournal local;
  private final AtomicBoolean compacting = new AtomicBoolean();
  private final OpenFile.Journal journal = new OpenFile.Journal() {
    @Override
    public long append(OpenFile f, long baseVersion, PendingUpload payload) throws FsException {
      return local.append(f.id, baseVersion, payload.encode());
    }

    @Override
    public void remove(long journalId) throws FsException {
      forget(journalId);
    }
  };

  /**
   * @param drainPool runs one background drain per file (a drain waits for its puts on {@code putPool}, so the two
   *     must be different executors)
   * @param local this cache directory's journal (its sequence numbers are the commit marks' of {@code hostId})
   * @param committed told of every commit (the mirror, the change feed)
   */
  WriteBack(MetadataStore meta, BlobStore blobs, Coordinator coordinator, OpenFiles files, DirtyLimit dirtyLimit,
      String hostId, WriteBackJournal local, Clock clock, Ticker ticker, Duration firstRetryDelay,
      Duration maxRetryDelay, ExecutorService drainPool, ExecutorService putPool,
      Consumer<InodeAttributes> committed) {
    this(meta, blobs, coordinator, files, dirtyLimit, hostId, local, clock, ticker, firstRetryDelay, maxRetryDelay,
        drainPool, putPool, committed, PromptRelease.OFF);
  }

  /** @param releases pins each upload's blobs, and is told of the blobs its commits leave unreferenced */
  WriteBack(MetadataStore meta, BlobStore blobs, Coordinator coordinator, OpenFiles files, DirtyLimit dirtyLimit,
      String hostId, WriteBackJournal local, Clock clock, Ticker ticker, Duration firstRetryDelay,
      Duration maxRetryDelay, ExecutorService drainPool, ExecutorService putPool,
      Consumer<InodeAttributes> committed, PromptRelease releases) {
    this.meta = meta;
    this.local = local;
    this.files = files;
    this.dirtyLimit = dirtyLimit;
    this.hostId = hostId;
    this.clock = clock;
    this.ticker = ticker;
    this.drainPool = drainPool;
    this.uploader = new Uploader(meta, blobs, coordinator, putPool, ticker, clock, firstRetryDelay,
        maxRetryDelay, seq -> new CommitMark(hostId, seq), (seq, a) -> {
          forget(seq);
          dirtyLimit.roomMade();
          committed.accept(a);
        }, releases);
    this.batches = blobs.capabilities().contains(BlobCapability.LOCAL_DISK) && uploader.drainsTogether()
        ? new UploadBatches(drainPool, uploader::drainTogether, this::submit, this::afterDrain) : null;
  }

  String hostId() {
    return hostId;
  }

  /** close()/flush(): seals and journals the unsaved data (safe from a process crash), uploads in the background. */
  void closed(OpenFile f) throws FsException {
    Snapshot s = f.seal(journal);
    if (s == null) {
      return;
    }
    if (batches != null && small(s)) {
      if (f.drainQueued.compareAndSet(false, true)) {
        batches.add(f);
      }
    } else {
      submit(f);
    }
  }

  /** A snapshot of one chunk at most, of at most {@link #SMALL_BYTES}: see {@link UploadBatches}. */
  private static boolean small(Snapshot s) {
    if (s.chunks().size() > 1) {
      return false;
    }
    for (DirtyChunk d : s.chunks().values()) {
      if (d.length > SMALL_BYTES) {
        return false;
      }
    }
    return true;
  }

  /** fsync, lock release, revalidation: the file's unsaved and pending data is uploaded and committed now. */
  void commitNow(OpenFile f) throws FsException {
    try {
      f.seal(journal);
      drain(f);
    } finally {
      // a last release while this drain held the file kept it in the table (OpenFiles.dropIfIdle): drop it now
      files.dropIfUnused(f);
    }
  }

  /**
   * Close-to-open revalidation: when the store holds a newer version than this host's view of {@code f}, this host's
   * unsaved writes are committed first (as NFS writes dirty pages back before dropping its page cache; the commit
   * rebases them onto the newer version) and the view moves to the newer version.
   *
   * @param storedVersion the version just read from the store
   * @return whether the view changed
   */
  boolean revalidate(OpenFile f, long storedVersion) throws FsException {
    if (storedVersion <= f.version()) {
      return false;
    }
    if (f.hasLocalChanges()) {
      commitNow(f);
    }
    f.uploadLock.lock();
    try {
      return uploader.refreshFromStore(f);
    } finally {
      f.uploadLock.unlock();
    }
  }

  /** Revalidation when a lock is granted: the holder sees what the previous holder committed. */
  void revalidate(OpenFile f) throws FsException {
    revalidate(f, meta.getAttributes(f.id).version());
  }

  /** A writer over the dirty limit waits (its own data sealed and queued first) until uploads make room. */
  void admit(OpenFile f, long bytes) throws FsException {
    if (dirtyLimit.admits(bytes)) {
      return;
    }
    dirtyLimit.await(bytes, () -> {
      try {
        closed(f); // our own unsaved data must be able to leave too
      } catch (FsException e) {
        log.debug("cannot seal {} while waiting for room: {}", f.id, e.getMessage());
      }
    });
  }

  /** Uploads the file's pending snapshots in the background. */
  void submit(OpenFile f) {
    if (!f.drainQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      drainPool.execute(() -> {
        f.drainQueued.set(false);
        try {
          drain(f);
        } catch (FsException e) {
          log.warn("upload of {} failed, will retry in {} ms: {}", f.id,
              Duration.ofNanos(f.nextRetryNanos - ticker.read()).toMillis(), e.getMessage());
        } catch (RuntimeException e) {
          log.error("upload of {} failed unexpectedly", f.id, e);
        } finally {
          afterDrain(f);
        }
      });
    } catch (RuntimeException rejected) {
      f.drainQueued.set(false);
    }
  }

  /** Journals what a failed append left unjournaled, then uploads and commits every snapshot, in this thread. */
  private void drain(OpenFile f) throws FsException {
    f.journalPending(journal);
    uploader.drain(f);
  }

  /** After a drain: room was made; a file nobody has open with nothing pending leaves the table. */
  private void afterDrain(OpenFile f) {
    dirtyLimit.roomMade();
    files.dropIfUnused(f);
  }

  /** Flushes every file's unsaved data and uploads everything pending; returns when all is committed. */
  void syncAll() throws FsException {
    FsException failure = null;
    for (OpenFile f : List.copyOf(files.all())) {
      try {
        commitNow(f);
      } catch (FsException e) {
        if (failure == null) {
          // the first cause's errno, so a full blob store reads as ENOSPC, not as an I/O error
          failure = new FsException(e.error(), "some data could not be uploaded; it stays pending: "
              + e.getMessage());
        }
        failure.addSuppressed(e);
      }
      afterDrain(f);
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The upload-retry daemon's pass: re-queues files whose backoff has passed. */
  void retryDue() {
    long now = ticker.read();
    for (OpenFile f : files.all()) {
      if (f.pendingCount() > 0 && !f.uploadLock.isLocked() && now - f.nextRetryNanos >= 0) {
        submit(f);
      }
    }
  }

  /**
   * A purged file: its unsaved and pending data goes, with its journal entries. Not under the upload lock: an
   * upload in flight may take as long as the blob store stalls; the uploader notices the discard and stops.
   */
  void discard(OpenFile f) throws FsException {
    List<Long> journalIds = f.discard();
    f.closeResources();
    try {
      for (long j : journalIds) {
        forget(j);
      }
    } finally {
      dirtyLimit.roomMade();
    }
  }

  /**
   * Closes a journal record: its snapshot was committed (the commit mark recorded it) or never will be. The one
   * place a record ends; compacts the journal in the background when it outgrew its bound.
   */
  void forget(long seq) {
    local.done(seq);
    compactIfDue();
  }

  /**
   * Starts a background compaction when the journal outgrew its bound and none runs. Records closed while one ran
   * found it busy; so a compaction that succeeded looks again, else the end of a burst could leave the journal
   * over its bound (and the store its marks) until the next write.
   */
  private void compactIfDue() {
    if (local.dueForCompaction() && compacting.compareAndSet(false, true)) {
      try {
        drainPool.execute(() -> {
          boolean compacted = false;
          try {
            compactJournal();
            compacted = true;
          } catch (FsException e) {
            log.warn("cannot compact the write-back journal (tried again when it grows): {}", e.getMessage());
          } finally {
            compacting.set(false);
          }
          if (compacted) {
            compactIfDue();
          }
        });
      } catch (RuntimeException rejected) {
        compacting.set(false); // closing: the next start compacts
      }
    }
  }

  /**
   * Compacts the journal (durably), then lets the store forget the commit marks the compacted journal no longer
   * needs: a mark is needed only while a journal record of its snapshot may be read back without its done record.
   */
  void compactJournal() throws FsException {
    long upTo = local.compact();
    try {
      meta.clearCommitMarks(hostId, upTo);
    } catch (FsException e) {
      if (e.error() != FsError.UNSUPPORTED) {
        log.warn("cannot clear commit marks up to {} (cleared at the next compaction): {}", upTo, e.getMessage());
      }
    }
  }

  /** The snapshots this cache journaled and did not close (for {@link Recovery}). */
  List<WriteBackJournal.Entry> journaled() throws FsException {
    return local.entries();
  }

  /** The upload journal's live records: snapshots sealed and not committed. */
  int journaledCount() {
    return local.size();
  }

  /**
   * A snapshot the legacy store journal held (written by a version before the local journal): journals it locally
   * so it commits like any other; the caller removes the store's entry once the local journal is durable.
   */
  long adopt(JournalEntry e) throws FsException {
    return local.append(e.inode(), e.baseVersion(), e.payload());
  }

  /** The store keeps no commit marks: the journal must record each snapshot's end at once (see Recovery). */
  void writeDoneAtOnce() {
    local.writeDoneAtOnce();
  }

  /** Later sequence numbers are greater than every commit mark the store still holds. */
  void advancePast(long seq) {
    local.advancePast(seq);
  }
}
