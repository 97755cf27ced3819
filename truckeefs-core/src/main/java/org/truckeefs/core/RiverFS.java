package org.truckeefs.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.DirListingPlus;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.Subscription;
import org.truckeefs.api.FsError;
import org.truckeefs.api.LockRange;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.OpenResult;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.SetAttr;
import org.truckeefs.api.StatFs;
import org.truckeefs.api.TimeSpec;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.StoreStats;

/**
 * TruckeeFS as a {@link FileSystem}: POSIX semantics over a {@link MetadataStore} (the namespace), a
 * {@link BlobStore} (file content as immutable chunks) and a local cache directory. Open one with
 * {@link #open(RiverFsConfig)}; close it to flush everything and stop its daemons.
 *
 * <p>Access times follow {@code noatime}: atime is set at creation and by utimens only, so reads never write
 * metadata. Durability is a local filesystem's: data survives a crash of this process once {@link #flush} or
 * {@link #release} returned (it is in the cache file, and the upload journal names it; nothing waits for a disk
 * sync or an upload), and survives a power loss once {@link #fsync} or {@link #syncfs} returned (uploaded to the
 * blob store, committed, and the commit durable).
 */
public final class RiverFS implements FileSystem {
  private static final Logger log = LoggerFactory.getLogger(RiverFS.class);
  /** Largest file: 4 PiB, well inside the chunk index and offset arithmetic. */
  static final long MAX_FILE_SIZE = 1L << 52;
    private static final int STATFS_BLOCK = 4096;
  private static final long INODE_CAPACITY = 1L << 32;
  /** A metadata call slower than this is logged as a warning: the database is overloaded or far away. */
  static final Duration SLOW_METADATA_CALL = Duration.ofSeconds(1);
  /** A blob call slower than this is logged as a warning (a whole chunk upload to a grid may take seconds). */
  static final Duration SLOW_BLOB_CALL = Duration.ofSeconds(30);

  private final RiverFsConfig config;
  private final MetadataStore meta;
  /** {@link #meta} itself: the in-process metadata cache every store call passes (see CachedMetadataStore). */
  private final CachedMetadataStore cached;
  /** The store behind the dump gate, as {@link Instrumented} counts it. */
  private final MetadataStore instrumentedMeta;
  private final BlobStore blobs;
  private final Durability durability;
  private final Coordinator coordinator;
  private final ChunkCache cache;
  private final DirtyLimit dirtyLimit;
  private final WriteBack writeBack;
  /** The local write-back journal (see {@link WriteBack}); closed last, after the uploads stopped. */
  private final WriteBackJournal journal;
  private final FileLifecycle lifecycle;
  private final String hostId;
  private final Daemons daemons;
  private final WorkerPools pools;
  /**
   * Hashes chunks as they are written; null for a store that does not name blobs by SHA-256 and ignores the digest
   * (then nobody hashes: a core's worth at 1 GB/s). Asked once: on the mount, asking at every open was a backend call
   * per create.
   */
  private final Executor hashers;
  private final ExecutorService drainPool;
  private final ExecutorService putPool;
  private final ExecutorService fetchPool;
  /** Starts the disk writes of full chunk files behind their hashes (none where unavailable). */
  private final EarlyWriteback writeback;
  private final CachePruner pruner;
  private final BlobCollector collector;
  /** Releases unreferenced blobs at once where that is exact (a sole host, local blobs); else {@code OFF}. */
  private final PromptRelease releases;
  private final OpenFiles files = new OpenFiles();
  private final HandleTable handles = new HandleTable();
  private final PosixLocks locks;
  private final Xattrs xattrs;
  private final Namespace namespace;
  private final FileData data;
  private final ChangeFeed feed;
  private volatile Mirror mirror; // MIRROR: the blob store's namespace mirror, or null
  private volatile boolean closed;
  /** Held from open to the end of close: one RiverFS per data directory (see {@link #dataDirOwner}). */
  private volatile DataDirLock dataDirLock;

  private RiverFS(RiverFsConfig config, MetadataStore meta, BlobStore blobs, Coordinator coordinator,
      ScheduledExecutorService scheduler, boolean ownsScheduler) throws FsException {
    this.instrumentedMeta = meta;
    meta = MetadataDumpGate.wrap(meta); // BACKUP: changes pass a gate that a metadata dump closes
    this.config = config;
    this.cached = new CachedMetadataStore(meta, config.metadataCacheTtl(), config.ticker(), scheduler,
        config.soleHost());
    meta = cached;
    this.meta = meta;
    this.blobs = blobs;
    this.coordinator = coordinator;
    this.daemons = new Daemons(scheduler, ownsScheduler);
    this.pools = new WorkerPools(config);
    this.drainPool = pools.uploads;
    this.hashers = blobs.capabilities().contains(BlobCapability.SHA256_NAMES) ? pools.hashers : null;
    this.putPool = pools.puts;
    this.fetchPool = pools.readAhead;
    this.writeback = new EarlyWriteback(DiskWritebacks.of(config), blobs);
    this.cache = ChunkCache.open(config.cacheDir(), blobs, config.clock(), config.cacheSize(), config.cacheTtl(),
        fetchPool, config.freeSpaceFloor(), Math.min(config.dirtyMemory(), Runtime.getRuntime().maxMemory() / 8));
    this.dirtyLimit = new DirtyLimit(DirtyLimit.effective(config, cache, cache.usableBytes()), cache);
    this.hostId = HostId.load(config.cacheDir());
    this.journal = WriteBackJournal.open(config.cacheDir());
    this.pruner = new CachePruner(cache);
    this.durability = new Durability(blobs, meta);
    this.collector = new BlobCollector(meta, blobs, cache, durability, config.clock(), config.blobGcGrace());
    this.releases = PromptRelease.where(config.promptBlobRelease(), meta, blobs, cache, durability, scheduler);
    this.feed = new ChangeFeed(coordinator, scheduler);
    feed.watch(cached::onChange); // first watcher: a FUSE adapter's invalidation then finds the cache current
    this.namespace = new Namespace(cached, files, feed::publish, new Namespace.Removal() {
      @Override
      public void purgeDirectory(InodeId id) throws FsException {
        lifecycle.purge(id);
      }

      @Override
      public void purgeIfClosed(InodeId id) throws FsException {
        lifecycle.purgeIfClosed(id);
      }

      @Override
      public CountDownLatch claimForPurge(InodeId id) {
        return lifecycle.claimForPurge(id);
      }

      @Override
      public void endClaim(InodeId id, CountDownLatch claim) {
        lifecycle.endClaim(id, claim);
      }

      @Override
      public void unreferenced(List<BlobRef> blobs) {
        releases.unreferenced(blobs);
      }
    }, config.clock(), config.ticker());
    this.writeBack = new WriteBack(meta, blobs, coordinator, files, dirtyLimit, hostId, journal, config.clock(),
        config.ticker(), config.uploadRetryDelay(), RiverFsConfig.MAX_UPLOAD_RETRY_DELAY, drainPool, putPool, a -> {
          namespace.events().contentCommitted(a);
          feed.publish(new FsChange.Content(a.id(), false));
        }, releases);
    this.lifecycle = new FileLifecycle(cached, coordinator, files, writeBack, this::newOpenFile, hostId, namespace,
        releases);
    this.locks = new PosixLocks(coordinator, new PosixLocks.Coherence() {
      @Override
      public void commit(OpenFile f) throws FsException {
        writeBack.commitNow(f);
      }

      @Override
      public void revalidate(OpenFile f) throws FsException {
        writeBack.revalidate(f);
      }
    });
    this.xattrs = new Xattrs(cached, this::getattr, files::contains, new Xattrs.Changes() {
      @Override
      public void published(InodeId inode) {
        feed.publish(Namespace.attrs(inode));
      }

      @Override
      public void touched(InodeId inode) {
        namespace.changed(inode);
      }
    }, config.clock(), config.ticker(), Namespace.SEARCH_CACHE_TTL);
    this.data = new FileData(meta, namespace, handles, files, lifecycle, writeBack, locks, durability, feed::publish,
        config.clock());
    cache.onOverLimit(() -> daemons.soon(pruner));
  }

  /**
   * Opens the filesystem: checks the settings and reaches the backends before it creates anything (see
   * {@link StartupSteps} for the order), takes the data directory (EBUSY naming the pid of another owner), creates
   * the root directory if needed, resumes this cache's pending uploads, purges orphans and starts the daemons.
   */
  public static RiverFS open(RiverFsConfig config) throws FsException {
    Backends backends = config.backends().orElseGet(Backends::discover);
    ScheduledExecutorService scheduler = config.scheduler().orElse(null);
    boolean owns = scheduler == null;
    if (owns) {
      scheduler = Executors.newScheduledThreadPool(1, WorkerPools.threads("daemon", config.backgroundNice()));
    }
    StartupSteps.Opened o;
    try {
      o = StartupSteps.run(config, backends, scheduler);
    } catch (FsException | RuntimeException e) {
      if (owns) {
        scheduler.shutdownNow();
      }
      throw e;
    }
    try {
      RiverFS fs = new RiverFS(config, o.meta(), o.blobs(), o.coordinator(), scheduler, owns);
      fs.dataDirLock = o.lock();
      fs.start();
      return fs;
    } catch (FsException | RuntimeException e) {
      for (AutoCloseable c : new AutoCloseable[] {o.coordinator(), o.blobs(), o.meta(), o.lock()}) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      if (owns) {
        scheduler.shutdownNow();
      }
      throw e;
    }
  }

  /**
   * The pid of the process that has {@code dataDir} open (a mount, a library instance, or a maintenance command),
   * or empty when it is free: for tools that must not run under a live filesystem (dump, load, fsck --repair).
   */
  public static java.util.OptionalLong dataDirOwner(Path dataDir) throws FsException {
    return DataDirLock.owner(dataDir);
  }

  /**
   * Takes {@code dataDir} (which must exist) for a tool that works on it without a RiverFS, as {@link #open} does:
   * EBUSY naming the holder's pid when a mount or another tool has it. Close the result to let go.
   */
  public static AutoCloseable lockDataDir(Path dataDir) throws FsException {
    return DataDirLock.acquire(dataDir);
  }

  /**
   * For {@code truckeefs status} without a mount: how many uploads the cache directory's write-back journal holds
   * that the store has not committed (read only; the journal is not changed).
   */
  public static int pendingUploads(Path cacheDir, MetadataStore meta) throws FsException {
    Path idFile = cacheDir.resolve(HostId.FILE);
    if (!Files.isRegularFile(idFile)) {
      return 0;
    }
    try {
      String host = Files.readString(idFile).trim();
      java.util.Set<Long> marks;
      try {
        marks = new java.util.HashSet<>(meta.commitMarks(host));
      } catch (FsException e) {
        if (e.error() != FsError.UNSUPPORTED) {
          throw e;
        }
        marks = java.util.Set.of();
      }
      int n = meta.journal(host).size(); // left by a version before the local journal
      for (long seq : WriteBackJournal.readLive(cacheDir)) {
        if (!marks.contains(seq)) {
          n++;
        }
      }
      return n;
    } catch (IOException e) {
      throw DiskErrors.map("read the write-back journal in " + cacheDir, e);
    }
  }

  /** What the OS does for a crashed process: lets go of the data directory (tests simulate a crash in-process). */
  void releaseDataDirAsIfCrashed() throws IOException {
    dataDirLock.close();
  }

  private void start() throws FsException {
    try {
      Instant now = config.clock().instant();
      meta.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, now, null));
      MetadataBackup.validate(config.backendConfig()); // BACKUP: bad settings fail here, before anything runs
      mirror = Mirror.startIfKept(blobs, meta, coordinator, config.chunkSize(), hostId, config.clock(), // MIRROR:
          config.backendConfig());
      if (mirror != null) {
        setNamespaceEvents(mirror);
      }
      new Recovery(meta, cache, files, writeBack, a -> newOpenFile(a, false)).run();
      lifecycle.purgeOrphans();
    } catch (FsException | RuntimeException e) {
      if (mirror != null) { // MIRROR:
        mirror.close();
      }
      pools.close();
      journal.close();
      cache.close();
      throw e;
    }
    if (config.cacheMaintenance()) {
      daemons.every(config.pruneInterval(), pruner);
    }
    daemons.every(config.blobGcInterval(), collector);
    daemons.every(FileLifecycle.OPEN_MARK_TTL.dividedBy(3), lifecycle::renewOpenMarks);
    daemons.every(config.uploadRetryDelay(), writeBack::retryDue);
    Duration backups = MetadataBackup.interval(config.backendConfig()); // BACKUP: scheduled backups
    if (MetadataBackup.supported(blobs)) {
      int keep = MetadataBackup.keep(config.backendConfig());
      daemons.every(backups, () -> MetadataBackup.takeLogged(blobs, config.dataDir(), config.clock(), keep,
          out -> dumpMetadata(out, null)));
    }
    if (LeaseRenewalDaemon.needed(blobs)) { // TAHOE: blobs on lease-expiring stores are renewed while live
      daemons.every(LeaseRenewalDaemon.interval(config.backendConfig()), new LeaseRenewalDaemon(meta, blobs));
    }
  }

  // ======================================================================= namespace (see Namespace)

  @Override
  public InodeAttributes lookup(Caller caller, InodeId parent, Name name) throws FsException {
    return namespace.lookup(caller, parent, name);
  }

  @Override
  public InodeAttributes getattr(InodeId inode) throws FsException {
    return namespace.getattr(inode);
  }

  @Override
  public InodeAttributes mkdir(Caller caller, InodeId parent, Name name, int mode) throws FsException {
    return namespace.mkdir(caller, parent, name, mode);
  }

  @Override
  public void rmdir(Caller caller, InodeId parent, Name name) throws FsException {
    namespace.rmdir(caller, parent, name);
  }

  @Override
  public InodeAttributes mknod(Caller caller, InodeId parent, Name name, int mode, long rdev) throws FsException {
    return namespace.mknod(caller, parent, name, mode, rdev);
  }

  @Override
  public InodeAttributes symlink(Caller caller, InodeId parent, Name name, String target) throws FsException {
    return namespace.symlink(caller, parent, name, target);
  }

  @Override
  public String readlink(Caller caller, InodeId inode) throws FsException {
    return namespace.readlink(caller, inode);
  }

  @Override
  public InodeAttributes link(Caller caller, InodeId inode, InodeId newParent, Name newName) throws FsException {
    return namespace.link(caller, inode, newParent, newName);
  }

  @Override
  public void unlink(Caller caller, InodeId parent, Name name) throws FsException {
    namespace.unlink(caller, parent, name);
  }

  @Override
  public void rename(Caller caller, InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags)
      throws FsException {
    namespace.rename(caller, parent, name, newParent, newName, flags);
  }

  @Override
  public DirListing readdir(long dirHandle, long cookie, int max) throws FsException {
    return namespace.readdir(handles.dir(dirHandle), cookie, max);
  }

  @Override
  public DirListingPlus readdirplus(long dirHandle, long cookie, int max) throws FsException {
    return namespace.readdirplus(handles.dir(dirHandle), cookie, max);
  }

  @Override
  public void access(Caller caller, InodeId inode, int mask) throws FsException {
    namespace.access(caller, inode, mask);
  }

  @Override
  public long opendir(Caller caller, InodeId inode) throws FsException {
    namespace.checkOpendir(caller, inode);
    return handles.openDir(inode);
  }

  // ======================================================================= POSIX locks (see PosixLocks)

  @Override
  public void flock(long handle, long owner, LockRange.Type type, boolean wait) throws FsException {
    locks.flock(handles.file(handle), owner, type, wait);
  }

  @Override
  public LockRange getlk(long handle, long owner, LockRange range) throws FsException {
    return locks.getlk(handles.file(handle), owner, range);
  }

  @Override
  public void setlk(long handle, long owner, LockRange range, boolean wait) throws FsException {
    locks.setlk(handles.file(handle), owner, range, wait);
  }

  @Override
  public void releasedir(long dirHandle) throws FsException {
    handles.closeDir(dirHandle);
  }

  @Override
  public StatFs statfs() throws FsException {
    StoreStats s = meta.stats();
    long avail = blobs.availableBytes();
    if (avail < 0) {
      try {
        avail = Files.getFileStore(cache.root()).getUsableSpace();
      } catch (IOException e) {
        avail = 0;
      }
    }
    long free = avail / STATFS_BLOCK;
    long used = (s.bytes() + STATFS_BLOCK - 1) / STATFS_BLOCK;
    long freeInodes = Math.max(0, INODE_CAPACITY - s.inodes());
    return new StatFs(STATFS_BLOCK, used + free, free, free, s.inodes() + freeInodes, freeInodes, Name.MAX_BYTES);
  }

  // ======================================================================= xattrs (see Xattrs)

  @Override
  public byte[] getxattr(Caller caller, InodeId inode, String name) throws FsException {
    return xattrs.get(caller, inode, name);
  }

  @Override
  public void setxattr(Caller caller, InodeId inode, String name, byte[] value, XattrMode mode) throws FsException {
    xattrs.set(caller, inode, name, value, mode);
  }

  @Override
  public List<String> listxattr(Caller caller, InodeId inode) throws FsException {
    return xattrs.list(caller, inode);
  }

  @Override
  public void removexattr(Caller caller, InodeId inode, String name) throws FsException {
    xattrs.remove(caller, inode, name);
  }

  // ======================================================================= files by handle (see FileData)

  @Override
  public InodeAttributes setattr(Caller caller, InodeId inode, SetAttr c, long handle) throws FsException {
    return data.setattr(caller, inode, c, handle);
  }

  @Override
  public OpenResult create(Caller caller, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException {
    return data.create(caller, parent, name, mode, flags);
  }

  @Override
  public OpenResult open(Caller caller, InodeId inode, OpenFlags flags) throws FsException {
    return data.open(caller, inode, flags);
  }

  @Override
  public int read(long handle, long offset, ByteBuffer dst) throws FsException {
    return data.read(handle, offset, dst);
  }

  @Override
  public int write(long handle, long offset, ByteBuffer src) throws FsException {
    return data.write(handle, offset, src);
  }

  @Override
  public void flush(long handle) throws FsException {
    data.flush(handle);
  }

  @Override
  public void flush(long handle, long lockOwner) throws FsException {
    data.flush(handle, lockOwner);
  }

  @Override
  public void fsync(long handle, boolean dataOnly) throws FsException {
    data.fsync(handle, dataOnly);
  }

  @Override
  public void release(long handle) throws FsException {
    data.release(handle);
  }

  @Override
  public void fallocate(long handle, int mode, long offset, long length) throws FsException {
    data.fallocate(handle, mode, offset, length);
  }

  // ======================================================================= helpers

  private OpenFile newOpenFile(InodeAttributes attrs, boolean isNew) throws FsException {
    List<ChunkRef> chunks = isNew ? List.of() : files.chunksWhenLeft(attrs.id(), attrs.version());
    if (chunks == null) {
      chunks = meta.chunks(attrs.id());
    }
    return new OpenFile(attrs, chunks, config.chunkSize(), cache, config.clock(), hashers, writeback);
  }

  // ======================================================================= lifecycle and extras

  /** Used by a future namespace mirror; one listener at a time. */
  // BACKUP: consistent metadata dumps
  /**
   * Writes a JSON dump of the whole metadata (see {@link MetadataDump}) to {@code out} while this RiverFS holds off
   * every change of the namespace, attributes and content commits. Other hosts sharing the metadata store are not
   * held off: across hosts the dump is consistent per host only. The dump holds blob references (capabilities for
   * Tahoe): keep it secret.
   *
   * @return the number of inodes dumped
   */
  public long dumpMetadata(java.io.OutputStream out, MetadataDump.Progress progress) throws FsException {
    return MetadataDumpGate.of(cached.store()).exclusively(store -> MetadataDump.write(store, out, progress));
  }

  /**
   * Takes a metadata backup now (see {@link MetadataBackup}): dumps the metadata consistently, stores it in the blob
   * store (for Tahoe under rootcap at {@code .truckeefs/backups/}) and keeps the newest {@code backup_keep}.
   * UNSUPPORTED when the blob store keeps no backups.
   *
   * @return the new backup's name
   */
  public String backupNow() throws FsException { // BACKUP: on demand
    return MetadataBackup.take(blobs, config.dataDir(), config.clock(), MetadataBackup.keep(config.backendConfig()),
        out -> dumpMetadata(out, null));
  }

  void setNamespaceEvents(NamespaceEvents listener) {
    namespace.setEvents(listener);
  }

  /** What the CLI's {@code status} shows. */
  public RiverFsStatus status() {
    int pending = 0;
    for (OpenFile f : files.all()) {
      pending += f.pendingCount();
    }
    return new RiverFsStatus(config.metadataUri().getScheme(), config.blobUri().getScheme(),
        config.coordinatorUri().getScheme(), cache.usedBytes(), cache.dirtyBytes(), config.cacheSize(), pending,
        files.size(), config.chunkSize());
  }

  /** Flushes every file's unsaved data and uploads everything pending; returns when all is committed. */
  public void syncAll() throws FsException {
    writeBack.syncAll();
  }

  @Override
  public Subscription watch(java.util.function.Consumer<FsChange> listener) {
    return feed.watch(listener);
  }

  @Override
  public void syncfs() throws FsException {
    syncAll();
    durability.barrier();
  }

  /** Runs the upload-retry daemon's pass now: re-queues files whose backoff has passed. */
  void retryUploads() {
    writeBack.retryDue();
  }

  /** Runs the open-mark renewal and orphan sweep now. */
  void renewOpenMarks() {
    lifecycle.renewOpenMarks();
  }

  /** Runs the cache prune daemon's pass now. */
  ChunkCache.PruneResult pruneCache() {
    return cache.prune();
  }

  /** Runs the blob GC daemon's pass now. */
  int collectBlobs() throws FsException {
    return collector.collect();
  }

  PromptRelease promptRelease() {
    return releases;
  }

  ChunkCache cache() {
    return cache;
  }

  String hostId() {
    return hostId;
  }

  /** Snapshots in the write-back journal: sealed (closed, flushed) and not committed yet. */
  int journaledUploads() {
    return writeBack.journaledCount();
  }

  /** Calls and milliseconds per metadata-store method (see {@link Instrumented}). */
  Map<String, long[]> metadataCallStats() {
    return Instrumented.stats(instrumentedMeta);
  }

  /** Calls and milliseconds per blob-store method (see {@link Instrumented}). */
  Map<String, long[]> blobCallStats() {
    return Instrumented.stats(blobs);
  }

  // ---- read by RiverFsMetrics when scraped

  /** Calls and milliseconds per coordinator method (see {@link Instrumented}). */
  Map<String, long[]> coordinatorCallStats() {
    return Instrumented.stats(coordinator);
  }

  PosixLocks locksForMetrics() {
    return locks;
  }

  /** How long the oldest snapshot not yet uploaded and committed has been queued, in nanoseconds (0: none). */
  long oldestPendingUploadNanos() {
    long oldest = Long.MAX_VALUE;
    for (OpenFile f : files.all()) {
      oldest = Math.min(oldest, f.oldestPendingNanos());
    }
    return oldest == Long.MAX_VALUE ? 0 : Math.max(0, System.nanoTime() - oldest);
  }

  /** How long the oldest update not yet applied to the namespace mirror has waited, in nanoseconds (0: none). */
  long mirrorLagNanos() {
    Mirror m = mirror;
    return m == null ? 0 : m.lagNanos();
  }

  @Override
  public void close() throws FsException {
    if (closed) {
      return;
    }
    closed = true;
    List<Exception> failures = new ArrayList<>();
    daemons.stop();
    releases.close();
    feed.close();
    try {
      syncAll();
    } catch (FsException e) {
      failures.add(e);
    }
    if (mirror != null) { // MIRROR: let the mirror catch up; what is left stays journaled
      try {
        mirror.close(Mirror.closeTimeout(config.backendConfig()));
      } catch (FsException e) {
        mirror.close();
        failures.add(e);
      }
    }
    pools.close();
    daemons.shutdown();
    journal.close();
    for (OpenFile f : files.all()) {
      f.closeResources();
    }
    cache.close();
    for (AutoCloseable c : new AutoCloseable[] {coordinator, blobs, meta, dataDirLock}) {
      try {
        c.close();
      } catch (Exception e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      FsException e = new FsException(FsError.IO, "closing the filesystem failed; pending data stays in the cache "
          + "directory and is uploaded at the next start");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  @Override
  public String toString() {
    return "RiverFS[" + config.metadataUri().getScheme() + " + " + config.blobUri().getScheme() + ", cache "
        + config.cacheDir() + "]";
  }
}
