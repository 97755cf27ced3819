package org.truckeefs.core;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitMark;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.Ticker;

/**
 * The upload and commit steps of the write-back pipeline ({@link WriteBack} owns the pipeline and is this class's
 * only user): uploads a file's sealed, journaled snapshots in order. Each snapshot's chunks are put in parallel (the put pool
 * has {@code max_connections} threads, the bound on concurrent blob uploads; a snapshot of one chunk, a small file, is
 * put by the drain itself under the same bound), then one compare-and-set commit
 * records them and the snapshot's commit mark in the same transaction (on a store with a single writer, handed to
 * {@link CommitBatches}, which sends the commits of uploads that finish together in one store call); the pipeline
 * then closes the journal record.
 *
 * <p>Conflict policy: last writer wins per byte range. A commit that finds another version (another host committed
 * first) is rebased byte-exactly: only the bytes this host wrote are laid over the newer content, never whole
 * chunks, so another host's bytes are never silently replaced by stale copies. The length becomes the longer of
 * the two unless this host truncated (then its length wins). A failed upload
 * leaves the snapshot pending; the upload-retry daemon tries again with exponential backoff.
 */
final class Uploader {
  private static final Logger log = LoggerFactory.getLogger(Uploader.class);
  private static final int MAX_REBASES = 5;
  /** How long a commit waits for another host's commit of the same file; a dead holder's lease expires sooner. */
  static final Duration COMMIT_LEASE_WAIT = Duration.ofSeconds(60);

  private final MetadataStore meta;
  private final BlobStore blobs;
  private final Coordinator coordinator;
  private final ExecutorService putPool;
  /**
   * One permit per concurrent put: as many as the put pool has threads, so that a drain putting its snapshot's only
   * chunk in its own thread (no hand-off to the pool and back, two context switches per small file) still counts
   * against {@code max_connections}. Null for a caller's executor of unknown size: every put then goes to it.
   */
  private final Semaphore putSlots;
  private final Ticker ticker;
  private final Clock clock;
  private final Duration firstRetryDelay;
  private final Duration maxRetryDelay;
  private final LongFunction<CommitMark> marks;
  private final Committed committed;
  /** Null unless the store has a single writer: a store that commits in parallel gets each commit at once. */
  private final CommitBatches commits;
  /** Pins each put's blob until its commit, and is told of the blobs commits leave unreferenced. */
  private final PromptRelease releases;

  /** Told of each commit, after it is applied to the file. */
  interface Committed {
    /**
     * @param journalId the committed snapshot's journal record
     * @param after the file's attributes after the commit
     */
    void committed(long journalId, InodeAttributes after);
  }

  /**
   * @param marks the commit mark of a journal record, recorded by the commit in the store's transaction
   */
  Uploader(MetadataStore meta, BlobStore blobs, Coordinator coordinator, ExecutorService putPool, Ticker ticker,
      Clock clock, Duration firstRetryDelay, Duration maxRetryDelay, LongFunction<CommitMark> marks,
      Committed committed, PromptRelease releases) {
    this.meta = meta;
    this.clock = clock;
    this.releases = releases;
    this.blobs = blobs;
    this.coordinator = coordinator;
    this.putPool = putPool;
    this.putSlots = putPool instanceof ThreadPoolExecutor pool ? new Semaphore(pool.getMaximumPoolSize()) : null;
    this.ticker = ticker;
    this.firstRetryDelay = firstRetryDelay;
    this.maxRetryDelay = maxRetryDelay;
    this.marks = marks;
    this.committed = committed;
    this.commits = meta.singleWriter() ? new CommitBatches(meta) : null;
  }

  /**
   * Uploads and commits every journaled snapshot of {@code f} now, in the caller's thread, oldest first. A failure
   * leaves the snapshot pending and sets the file's next retry time (exponential backoff).
   */
  void drain(OpenFile f) throws FsException {
    f.uploadLock.lock();
    try {
      Snapshot s;
      while ((s = f.headPending()) != null) {
        try {
          uploadAndCommit(f, s);
        } catch (FsException e) {
          if (f.discarded()) {
            return; // unlinked meanwhile: nothing is left to upload
          }
          backOff(f);
          throw e;
        }
      }
      f.failures = 0;
    } finally {
      f.uploadLock.unlock();
    }
  }

  /** Sets the file's next retry time after a failed upload or commit (exponential backoff). */
  private void backOff(OpenFile f) {
    int n = ++f.failures;
    long delay = Math.min(maxRetryDelay.toNanos(), firstRetryDelay.toNanos() << Math.min(n - 1, 20));
    f.nextRetryNanos = ticker.read() + delay;
  }

  /**
   * Uploads a snapshot's chunks, then commits them under the file's commit lease ({@link #putAndLease}). On ESTALE
   * (a host committed without the lease, or the view was old) the newer version is read, the stale chunks are
   * rebased byte-exactly (see {@link OpenFile}) and the commit is tried again.
   */
  private void uploadAndCommit(OpenFile f, Snapshot s) throws FsException {
    SnapshotUpload u = new SnapshotUpload(f, s);
    try {
      putAndLease(u);
      for (int attempt = 0; readyToCommit(u); attempt++) {
        CommitResult r;
        try {
          r = commits != null ? commits.commit(u.commit) : meta.commitContent(u.commit);
        } catch (FsException e) {
          if (e.error() == FsError.STALE && attempt < MAX_REBASES) {
            log.info("{} was changed by another host; rebasing this host's written bytes onto its version", f.id);
            refreshFromStore(f);
            u.conflict = true;
            continue;
          }
          throw e;
        }
        applied(u, r);
        return;
      }
    } finally {
      settle(u);
    }
  }

  /** A commit went through: the file's view and the pipeline learn of it. Under the file's commit lease. */
  private void applied(SnapshotUpload u, CommitResult r) throws FsException {
    // the commit sets ctime to the sealed mtime but never earlier than the inode's ctime (the store's contract,
    // see ContentCommit): an attribute change made after sealing needs no read before nor a fix-up after
    InodeAttributes after = r.attributes();
    if (u.s.mtimeOverride != null) {
      after = meta.setAttributes(u.f.id, new AttrUpdate(null, null, null, null, u.s.mtimeOverride, null));
    }
    u.f.applyCommit(u.s, after, u.refs);
    committed.committed(u.s.journalId, after);
    releases.unreferenced(r.unreferenced()); // after applyCommit: no read here resolves them any more
    u.committed = true;
  }

  /** Whether {@link #drainTogether} can take files: the store has one writer, whose commits it sends together. */
  boolean drainsTogether() {
    return commits != null;
  }

  /** One snapshot's way from its puts to its commit, alone ({@link #drain}) or with others' ({@link #drainTogether}). */
  private static final class SnapshotUpload {
    final OpenFile f;
    final Snapshot s;
    /** The blobs this upload's puts pinned (put threads add to it): unpinned once the commit counted them or failed. */
    final Queue<BlobRef> pinned = new ConcurrentLinkedQueue<>();
    final Map<DirtyChunk, ChunkRef> uploaded = new IdentityHashMap<>();
    Lease lease;
    /** Another version was found (a rebase was needed): the size becomes the merged one. */
    boolean conflict;
    Map<Long, ChunkRef> refs;
    ContentCommit commit;
    boolean committed;

    SnapshotUpload(OpenFile f, Snapshot s) {
      this.f = f;
      this.s = s;
    }
  }

  /**
   * Uploads the head snapshot of each file in the caller's thread, one after another, then commits them all in one
   * store call: for small files on a blob store whose puts are local disk writes, where a thread and a store turn per
   * file cost more than the upload itself (see {@link UploadBatches}). Only when {@link #drainsTogether}.
   *
   * @return the files left for {@link #drain}: held by another drain, failed (the drain tries again and, failing
   *     too, sets the retry time and reports), changed by another host (the drain rebases), or with further
   *     snapshots queued
   */
  List<OpenFile> drainTogether(List<OpenFile> files) {
    List<SnapshotUpload> uploads = new ArrayList<>(files.size());
    List<OpenFile> rest = new ArrayList<>();
    try {
      List<SnapshotUpload> ready = new ArrayList<>(files.size());
      for (OpenFile f : files) {
        if (f.uploadLock.isHeldByCurrentThread()) {
          continue; // listed twice: its head snapshot is in this batch already
        }
        if (!f.uploadLock.tryLock()) {
          rest.add(f); // a drain has it (fsync, say); the caller's drain waits for it and sees what is left
          continue;
        }
        Snapshot s = f.headPending();
        if (s == null) {
          f.uploadLock.unlock();
          continue;
        }
        SnapshotUpload u = new SnapshotUpload(f, s);
        uploads.add(u); // from here the finally below unlocks it
        try {
          putAndLease(u);
          if (readyToCommit(u)) {
            ready.add(u);
          }
        } catch (FsException e) {
          rest.add(f); // its own drain tries once more and reports
        }
      }
      List<ContentCommit> batch = new ArrayList<>(ready.size());
      ready.forEach(u -> batch.add(u.commit));
      List<CommitOutcome> outcomes = commits.commitAll(batch);
      for (int i = 0; i < ready.size(); i++) {
        SnapshotUpload u = ready.get(i);
        CommitOutcome o = outcomes.get(i);
        if (o.failure() != null) {
          rest.add(u.f); // ESTALE is rebased there, anything else retried and reported
          continue;
        }
        try {
          applied(u, o.result());
          u.f.failures = 0;
        } catch (FsException e) {
          rest.add(u.f);
        }
      }
    } finally {
      for (SnapshotUpload u : uploads) {
        settle(u);
        if (u.committed && u.f.headPending() != null) {
          rest.add(u.f);
        }
        u.f.uploadLock.unlock();
      }
    }
    return rest;
  }

  /**
   * Puts the snapshot's chunks, then takes the file's commit lease. The puts happen before the lease is taken (they
   * are the slow part); the lease makes the compare-and-set and a rebase it may need one critical section across
   * hosts.
   */
  private void putAndLease(SnapshotUpload u) throws FsException {
    u.conflict = u.f.rebaseStaleChunks(u.s);
    putMissing(u.s, u.uploaded, u.pinned);
    u.lease = coordinator.writeLock(commitKey(u.f), COMMIT_LEASE_WAIT);
  }

  /**
   * Under the lease: rebases chunks a newer version made stale (and puts their rebuilt versions), then builds the
   * commit.
   *
   * @return false when the file was removed meanwhile (nothing to commit)
   */
  private boolean readyToCommit(SnapshotUpload u) throws FsException {
    if (u.f.discarded()) {
      return false;
    }
    if (u.f.rebaseStaleChunks(u.s)) {
      u.conflict = true;
      putMissing(u.s, u.uploaded, u.pinned);
    }
    u.refs = refsOf(u.s, u.uploaded);
    u.commit = commitOf(u.f, u.s, u.refs, u.conflict);
    return true;
  }

  /** After the commit or the failure: the lease goes, the pins go, and a removed file's stored blobs are noted. */
  private void settle(SnapshotUpload u) {
    if (u.lease != null) {
      u.lease.close();
    }
    for (BlobRef ref : u.pinned) {
      releases.unpin(ref);
    }
    if (!u.committed && u.f.discarded()) {
      abandoned(u.uploaded.values());
    }
  }

  private static Map<Long, ChunkRef> refsOf(Snapshot s, Map<DirtyChunk, ChunkRef> uploaded) {
    Map<Long, ChunkRef> refs = new TreeMap<>();
    for (DirtyChunk d : s.chunks().values()) {
      refs.put(d.index, uploaded.get(d));
    }
    return refs;
  }

  /** The snapshot's commit on the file's committed version, with its mark (no store journal entry to remove). */
  private ContentCommit commitOf(OpenFile f, Snapshot s, Map<Long, ChunkRef> refs, boolean conflict) {
    long size = conflict ? f.mergedSize(s) : s.size;
    // the mark tells recovery this snapshot committed
    return new ContentCommit(f.id, f.version(), size, List.copyOf(refs.values()), s.dropFrom(), s.mtime, 0,
        marks.apply(s.journalId));
  }

  /**
   * Blobs an upload stored for a file removed before its commit: no commit names them, and without a note no
   * collector would ever find them (they have no reference count yet). A blob another file references keeps it.
   */
  private void abandoned(Collection<ChunkRef> stored) {
    List<BlobRef> refs = stored.stream().filter(Objects::nonNull).map(ChunkRef::blob).distinct().toList();
    if (refs.isEmpty()) {
      return;
    }
    try {
      meta.noteUnreferenced(refs, clock.instant());
      releases.unreferenced(refs);
    } catch (FsException e) {
      log.warn("cannot note {} blob(s) of a removed file for release: {}", refs.size(), e.getMessage());
    }
  }

  private static String commitKey(OpenFile f) {
    return "commit:" + f.id.value();
  }

  /**
   * Moves the file's committed view to the store's current version (attributes and chunk map read consistently:
   * a commit between the two reads is detected and read again). Call with the file's upload lock held.
   *
   * @return whether the view changed
   */
  boolean refreshFromStore(OpenFile f) throws FsException {
    for (int attempt = 0; attempt < 5; attempt++) {
      InodeAttributes a = meta.getAttributes(f.id);
      if (a.version() <= f.version()) {
        return false;
      }
      List<ChunkRef> chunks = meta.chunks(f.id);
      if (meta.getAttributes(f.id).version() == a.version()) {
        return f.refresh(a, chunks);
      }
    }
    return false; // committed to continuously: the next compare-and-set notices and comes back here
  }

  private void putMissing(Snapshot s, Map<DirtyChunk, ChunkRef> uploaded, Queue<BlobRef> pinned)
      throws FsException {
    List<DirtyChunk> missing = new ArrayList<>();
    for (DirtyChunk d : s.chunks().values()) {
      if (!uploaded.containsKey(d)) {
        missing.add(d);
      }
    }
    Map<Long, ChunkRef> refs = putAll(missing, pinned);
    for (DirtyChunk d : missing) {
      uploaded.put(d, refs.get(d.index));
    }
  }

  private Map<Long, ChunkRef> putAll(List<DirtyChunk> chunks, Queue<BlobRef> pinned) throws FsException {
    if (chunks.size() == 1 && putSlots != null && !putPool.isShutdown() && putSlots.tryAcquire()) {
      DirtyChunk d = chunks.get(0);
      try {
        return Map.of(d.index, new ChunkRef(d.index, put(d, pinned), d.length));
      } catch (RuntimeException e) {
        throw new FsException(FsError.IO, "upload failed: " + e, e);
      } finally {
        putSlots.release();
      }
    }
    List<Future<BlobRef>> futures = new ArrayList<>(chunks.size());
    for (DirtyChunk d : chunks) {
      try {
        futures.add(putPool.submit(() -> pooledPut(d, pinned)));
      } catch (RejectedExecutionException stopping) {
        // closing (the put pool is shut down): the data stays pending and journaled, as for a failed upload
        for (Future<BlobRef> f : futures) {
          f.cancel(false);
        }
        throw new FsException(FsError.IO, "uploads stopped: the put executor is shut down");
      }
    }
    Map<Long, ChunkRef> out = new TreeMap<>();
    FsException failure = null;
    for (int i = 0; i < chunks.size(); i++) {
      try {
        BlobRef ref = futures.get(i).get();
        out.put(chunks.get(i).index, new ChunkRef(chunks.get(i).index, ref, chunks.get(i).length));
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        FsException fe = cause instanceof FsException x ? x
            : new FsException(FsError.IO, "upload failed: " + cause, cause);
        if (failure == null) {
          failure = fe;
        } else {
          failure.addSuppressed(fe);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new FsException(FsError.INTERRUPTED, "interrupted while uploading");
      }
    }
    if (failure != null) {
      throw failure;
    }
    return out;
  }

  private BlobRef pooledPut(DirtyChunk d, Queue<BlobRef> pinned) throws FsException, InterruptedException {
    if (putSlots == null) {
      return put(d, pinned);
    }
    putSlots.acquire(); // a drain may be putting in its own thread: the pool's threads alone no longer bound puts
    try {
      return put(d, pinned);
    } finally {
      putSlots.release();
    }
  }

  /**
   * Puts a sealed chunk (its bytes never change again). A chunk written sequentially was hashed as it was written,
   * so the store need not read it again; a sealed file is never written again, so a local store may take it by
   * hard link instead of a second copy.
   */
  private BlobRef put(DirtyChunk d, Queue<BlobRef> pinned) throws FsException {
    byte[] sha256 = releases.active() ? pin(d, pinned) : d.inMemory() ? null : d.knownSha256();
    return d.inMemory() ? blobs.putBytes(d.bytes(), sha256) : blobs.putFile(d.path(), d.length, sha256);
  }

  /**
   * Pins the chunk's blob before its put (see {@link PromptRelease}) and returns its digest: the name must be known
   * before the store may find the blob there and reuse it, so the digest is computed here when the running hash does
   * not know it (the store would compute it otherwise; it is given the digest and does not).
   */
  private byte[] pin(DirtyChunk d, Queue<BlobRef> pinned) throws FsException {
    byte[] sha256;
    try {
      sha256 = d.sha256();
    } catch (IOException e) {
      throw DiskErrors.map("hash a chunk to upload", e);
    }
    pinned.add(releases.pin(sha256));
    return sha256;
  }
}
