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
import org.truckeefs.spi.BlobStore;
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
  private final Coordinator coordinator;
  private final ChunkCache cache;
  private final DirtyLimit dirtyLimit;
  private final Uploader uploader;
  private final String hostId;
  private final ScheduledExecutorService scheduler;
  private final boolean ownsScheduler;
  private final ExecutorService drainPool;
  private final ExecutorService putPool;
  private final ExecutorService fetchPool;
  private final CachePruner pruner;
  private final BlobCollector collector;
  private final List<ScheduledFuture<?>> daemons = new ArrayList<>();
  private final OpenFiles files = new OpenFiles();
  private final HandleTable handles = new HandleTable();
  private final PosixLocks locks;
  private final Xattrs xattrs;
  /** Inodes this host has announced open in the coordinator (see {@link #syncOpenMark}). */
  private final Set<InodeId> openMarks = ConcurrentHashMap.newKeySet();
  private final Object[] markStripes = new Object[64];
  private final Namespace namespace;
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
    this.cached = new CachedMetadataStore(meta, config.metadataCacheTtl(), config.ticker());
    meta = cached;
    this.meta = meta;
    this.blobs = blobs;
    this.coordinator = coordinator;
    this.scheduler = scheduler;
    this.ownsScheduler = ownsScheduler;
    // Uploads run at the normal priority, not `nice`: fsync, syncfs, unmount and the dirty-data limit wait on them,
    // and at nice 19 on a busy host they wait for CPU that every other process takes first (benchmarks.md, Tahoe).
    this.drainPool = Executors.newFixedThreadPool(config.maxConnections(), threads("upload", 0));
    this.putPool = Executors.newFixedThreadPool(config.maxConnections(), threads("put", 0));
    this.fetchPool = Executors.newFixedThreadPool(Math.max(2, config.maxConnections() / 2), threads("readahead", 0));
    this.cache = ChunkCache.open(config.cacheDir(), blobs, config.clock(), config.cacheSize(), config.cacheTtl(),
        fetchPool, config.freeSpaceFloor());
    this.dirtyLimit = new DirtyLimit(DirtyLimit.effective(config, cache, cache.usableBytes()), cache);
    this.hostId = HostId.load(config.cacheDir());
    for (int i = 0; i < markStripes.length; i++) {
      markStripes[i] = new Object();
    }
    this.pruner = new CachePruner(cache);
    this.collector = new BlobCollector(meta, blobs, cache, config.clock(), config.blobGcGrace());
    this.feed = new ChangeFeed(coordinator);
    feed.watch(cached::onChange); // first watcher: a FUSE adapter's invalidation then finds the cache current
    this.namespace = new Namespace(cached, files, feed::publish, new Namespace.Removal() {
      @Override
      public void purgeDirectory(InodeId id) throws FsException {
        purge(id);
      }

      @Override
      public void purgeIfClosed(InodeId id) throws FsException {
        RiverFS.this.purgeIfClosed(id);
      }
    }, config.clock(), config.ticker());
    this.uploader = new Uploader(meta, blobs, coordinator, drainPool, putPool, config.ticker(), config.uploadRetryDelay(),
        RiverFsConfig.MAX_UPLOAD_RETRY_DELAY, this::afterDrain, a -> {
          dirtyLimit.roomMade();
          namespace.events().contentCommitted(a);
          feed.publish(new FsChange.Content(a.id(), false));
        });
    this.locks = new PosixLocks(coordinator, new PosixLocks.Coherence() {
      @Override
      public void commit(OpenFile f) throws FsException {
        commitNow(f);
      }

      @Override
      public void revalidate(OpenFile f) throws FsException {
        RiverFS.this.revalidate(f);
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
    cache.onOverLimit(() -> {
      try {
        scheduler.execute(pruner);
      } catch (RuntimeException rejected) {
        // shutting down
      }
    });
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
      scheduler = Executors.newScheduledThreadPool(1, threads("daemon", config.backgroundNice()));
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
      resumeUploads();
      purgeOrphans();
    } catch (FsException | RuntimeException e) {
      if (mirror != null) { // MIRROR:
        mirror.close();
      }
      shutdownPools();
      cache.close();
      throw e;
    }
    if (config.cacheMaintenance()) {
      long prune = config.pruneInterval().toMillis();
      daemons.add(scheduler.scheduleWithFixedDelay(pruner, prune, prune, TimeUnit.MILLISECONDS));
    }
    long gc = config.blobGcInterval().toMillis();
    daemons.add(scheduler.scheduleWithFixedDelay(collector, gc, gc, TimeUnit.MILLISECONDS));
    long renew = OPEN_MARK_TTL.toMillis() / 3;
    daemons.add(scheduler.scheduleWithFixedDelay(this::renewOpenMarks, renew, renew, TimeUnit.MILLISECONDS));
    long retry = config.uploadRetryDelay().toMillis();
    daemons.add(scheduler.scheduleWithFixedDelay(this::retryUploads, retry, retry, TimeUnit.MILLISECONDS));
    long backupMillis = MetadataBackup.interval(config.backendConfig()).toMillis(); // BACKUP: scheduled backups
    if (backupMillis > 0 && MetadataBackup.supported(blobs)) {
      int keep = MetadataBackup.keep(config.backendConfig());
      daemons.add(scheduler.scheduleWithFixedDelay(() -> MetadataBackup.takeLogged(blobs, config.dataDir(),
          config.clock(), keep, out -> dumpMetadata(out, null)), backupMillis, backupMillis, TimeUnit.MILLISECONDS));
    }
    if (LeaseRenewalDaemon.needed(blobs)) { // TAHOE: blobs on lease-expiring stores are renewed while live
      long lease = LeaseRenewalDaemon.interval(config.backendConfig()).toMillis();
      daemons.add(scheduler.scheduleWithFixedDelay(new LeaseRenewalDaemon(meta, blobs), lease, lease,
          TimeUnit.MILLISECONDS));
    }
  }

  /** Re-queues every upload this cache journaled but did not finish before the last stop or crash. */
  private void resumeUploads() throws FsException {
    Set<String> keep = new HashSet<>();
    List<JournalEntry> entries = meta.journal(hostId);
    for (JournalEntry e : entries) {
      PendingUpload p = PendingUpload.decode(e.payload());
      List<OpenFile.DirtyChunk> chunks = new ArrayList<>();
      boolean complete = true;
      for (PendingUpload.Part part : p.parts()) {
        Path file = cache.dirtyDir().resolve(part.file());
        // close() does not force: after a power loss (not a process crash) a file closed but never fsynced may
        // be short or missing. Its data was never promised; uploading what is left would commit garbage.
        if (!Files.isRegularFile(file) || sizeOf(file) < part.length()) {
          complete = false;
          break;
        }
        chunks.add(new OpenFile.DirtyChunk(part.index(), file, null, part.length(), ByteRanges.of(part.written()),
            -1));
      }
      InodeAttributes a;
      try {
        a = meta.getAttributes(e.inode());
      } catch (FsException missing) {
        if (missing.error() != FsError.NOT_FOUND) {
          throw missing;
        }
        a = null;
      }
      if (!complete || a == null || a.nlink() == 0 || !a.isFile()) {
        if (!complete) {
          log.error("pending upload of {} lost (part of) its cache files, as a power loss before fsync may do; "
              + "that unsynced data cannot be recovered", e.inode());
        }
        meta.journalRemove(e.id());
        continue;
      }
      InodeAttributes attrs = a;
      OpenFile f = files.getOrLoad(e.inode(), id -> newOpenFile(attrs));
      f.addRecovered(p, e.id(), e.baseVersion(), chunks);
      for (PendingUpload.Part part : p.parts()) {
        keep.add(part.file());
      }
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(cache.dirtyDir())) {
      for (Path p : ds) {
        if (!keep.contains(p.getFileName().toString())) {
          long size = Files.size(p);
          Files.deleteIfExists(p);
          cache.addDirty(-size);
        }
      }
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot clean dirty cache directory: " + e.getMessage(), e);
    }
    if (!entries.isEmpty()) {
      log.info("resuming {} pending upload(s) from the cache directory", entries.size());
    }
    for (OpenFile f : files.all()) {
      uploader.submit(f);
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Purges the orphans (unlinked, link count 0) that no host has open: not this one, and no live session of
   * another. Runs at startup and with the open-mark renewal, so a crashed host's orphans go too.
   */
  private void purgeOrphans() throws FsException {
    List<InodeId> orphans = meta.orphans();
    if (orphans.isEmpty()) {
      return;
    }
    Set<String> others = otherSessions();
    for (InodeId id : orphans) {
      if (!files.contains(id) && !openByAny(id, others)) {
        purge(id);
      }
    }
  }

  // ======================================================================= open marks (multi-host unlink)

  /**
   * How long an open mark lives without renewal. Marks are renewed every third of it while the file stays open; a
   * crashed host's marks stop counting as soon as its session is dead.
   */
  static final Duration OPEN_MARK_TTL = Duration.ofHours(1);

  private static String openKey(InodeId id, String session) {
    return "open:" + id.value() + ":" + session;
  }

  /**
   * Makes the coordinator's open mark of {@code id} match whether this host has it open: one round trip on the
   * first local open, one on the last local release, none in between. Striped per inode so a concurrent open and
   * last close leave the mark right.
   */
  private void syncOpenMark(InodeId id) throws FsException {
    synchronized (markStripes[Math.floorMod(id.hashCode(), markStripes.length)]) {
      OpenFile f = files.get(id);
      boolean open = f != null && f.refs > 0;
      if (open == openMarks.contains(id)) {
        return;
      }
      if (open) {
        coordinator.putEphemeral(openKey(id, coordinator.sessionId()), hostId, OPEN_MARK_TTL);
        openMarks.add(id);
      } else {
        openMarks.remove(id);
        coordinator.removeEphemeral(openKey(id, coordinator.sessionId()));
      }
    }
  }

  private Set<String> otherSessions() throws FsException {
    Set<String> s = new HashSet<>(coordinator.liveSessions());
    s.remove(coordinator.sessionId());
    return s;
  }

  private boolean openByAny(InodeId id, Set<String> sessions) throws FsException {
    for (String s : sessions) {
      if (coordinator.getEphemeral(openKey(id, s)).isPresent()) {
        return true;
      }
    }
    return false;
  }

  /** Whether another live host has {@code id} open; when the coordinator cannot tell, it is assumed open. */
  private boolean openElsewhere(InodeId id) {
    try {
      return openByAny(id, otherSessions());
    } catch (FsException e) {
      log.warn("cannot ask the coordinator whether {} is open elsewhere ({}); its purge waits for the orphan sweep",
          id, e.getMessage());
      return true;
    }
  }

  void renewOpenMarks() {
    try {
      for (InodeId id : List.copyOf(openMarks)) {
        coordinator.putEphemeral(openKey(id, coordinator.sessionId()), hostId, OPEN_MARK_TTL);
      }
      purgeOrphans();
    } catch (FsException | RuntimeException e) {
      log.warn("open-mark renewal and orphan sweep failed, will retry: {}", e.getMessage());
    }
  }

  private OpenFile newOpenFile(InodeAttributes attrs) throws FsException {
    return new OpenFile(attrs, meta.chunks(attrs.id()), config.chunkSize(), cache, config.clock());
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
  public InodeAttributes setattr(Caller caller, InodeId inode, SetAttr c, long handle) throws FsException {
    InodeAttributes a = getattr(inode);
    if (c.equals(SetAttr.NONE)) {
      return a; // nothing to change: ctime stays, as for an empty chattr
    }
    FileHandle fh = handles.fileOf(handle, inode);
    Instant now = config.clock().instant();
    SetAttrRules.Plan plan = SetAttrRules.decide(caller, a, c, fh == null ? null : fh.flags, now, MAX_FILE_SIZE);
    Integer mode = plan.mode();
    Integer uid = plan.uid();
    Integer gid = plan.gid();
    Instant atime = plan.atime();
    Instant mtime = plan.mtime();
    // all checks passed: apply
    // a truncate without a handle holds the open file until its attributes are overlaid: released earlier, its
    // upload could commit and drop it, and the attributes read before that commit would be returned stale
    OpenFile held = c.size() != null && fh == null ? acquire(inode) : null;
    try {
      if (c.size() != null) {
        OpenFile f = fh != null ? fh.file : held;
        f.truncate(c.size());
        sealAndUpload(f);
      }
      OpenFile f = files.get(inode);
      if (mtime != null && f != null) {
        f.overrideMtime(mtime);
      }
      InodeAttributes after = meta.setAttributes(inode, new AttrUpdate(mode, uid, gid, atime, mtime, now));
      feed.publish(c.size() != null ? new FsChange[] {Namespace.attrs(inode), new FsChange.Content(inode, false)}
          : new FsChange[] {Namespace.attrs(inode)});
      return f == null ? after : f.overlay(after);
    } finally {
      namespace.changed(inode); // even on failure: the store may have applied it
      if (held != null) {
        releaseRef(held);
      }
    }
  }

  @Override
  public OpenResult create(Caller caller, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException {
    Namespace.Created c = namespace.createOrFind(caller, parent, name, mode, flags);
    if (c.existing() != null) {
      return open(caller, c.existing(), flags);
    }
    InodeAttributes a = c.created();
    // the creator may write even if the new mode forbids it (open(O_CREAT|O_RDWR, 0444) works)
    OpenFile f = acquire(a.id(), a);
    return new OpenResult(handles.openFile(f, a.id(), flags, caller), f.overlay(a), false);
  }

  @Override
  public OpenResult open(Caller caller, InodeId inode, OpenFlags flags) throws FsException {
    InodeAttributes a = namespace.getattrFresh(inode);
    if (!Namespace.checkOpen(caller, a, flags)) {
      return new OpenResult(handles.openFile(null, inode, flags, caller), a, true);
    }
    boolean wasOpen = files.contains(inode);
    OpenFile f = acquire(inode);
    try {
      // close-to-open: what another host committed since this host loaded the file becomes visible now
      boolean refreshed = revalidate(f, a.version());
      boolean truncated = false;
      if (flags.truncate() && flags.canWrite()) {
        f.truncate(0);
        truncated = true;
        if (!caller.isRoot() && Access.killPriv(a.mode()) != a.mode()) {
          meta.setAttributes(inode, new AttrUpdate(Access.killPriv(a.mode()), null, null, null, null, null));
        }
      }
      long h = handles.openFile(f, inode, flags, caller);
      return new OpenResult(h, getattr(inode), wasOpen && !truncated && !refreshed);
    } catch (FsException | RuntimeException e) {
      releaseRef(f);
      throw e;
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
  private boolean revalidate(OpenFile f, long storedVersion) throws FsException {
    if (storedVersion <= f.version()) {
      return false;
    }
    if (f.hasLocalChanges()) {
      f.seal(this::journal);
      uploader.drain(f);
    }
    f.uploadLock.lock();
    try {
      return uploader.refreshFromStore(f);
    } finally {
      f.uploadLock.unlock();
    }
  }

  /** Revalidation when a lock is granted: the holder sees what the previous holder committed. */
  private void revalidate(OpenFile f) throws FsException {
    revalidate(f, meta.getAttributes(f.id).version());
  }

  @Override
  public long opendir(Caller caller, InodeId inode) throws FsException {
    namespace.checkOpendir(caller, inode);
    return handles.openDir(inode);
  }

  // ======================================================================= POSIX locks (see PosixLocks)

  @Override
  public void flock(long handle, long owner, LockRange.Type type, boolean wait) throws FsException {
    locks.flock(fileHandle(handle), owner, type, wait);
  }

  @Override
  public LockRange getlk(long handle, long owner, LockRange range) throws FsException {
    return locks.getlk(fileHandle(handle), owner, range);
  }

  @Override
  public void setlk(long handle, long owner, LockRange range, boolean wait) throws FsException {
    locks.setlk(fileHandle(handle), owner, range, wait);
  }

  /** Before a lock goes: this host's writes to the file reach the store, for the next holder to see. */
  private void commitNow(OpenFile f) throws FsException {
    f.seal(this::journal);
    uploader.drain(f);
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

  // ======================================================================= data

  @Override
  public int read(long handle, long offset, ByteBuffer dst) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file == null) {
      throw new FsException(FsError.IS_DIRECTORY, h.inode + " is a directory");
    }
    if (!h.flags.canRead() && !h.flags.readback()) {
      throw new FsException(FsError.BAD_HANDLE, "handle " + handle + " is not open for reading");
    }
    if (offset < 0) {
      throw new FsException(FsError.INVALID, "negative offset " + offset);
    }
    int n = h.file.read(offset, dst, offset == h.lastReadEnd);
    h.lastReadEnd = offset + n;
    return n;
  }

  @Override
  public int write(long handle, long offset, ByteBuffer src) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file == null || !h.flags.canWrite()) {
      throw new FsException(FsError.BAD_HANDLE, "handle " + handle + " is not open for writing");
    }
    if (offset < 0) {
      throw new FsException(FsError.INVALID, "negative offset " + offset);
    }
    if (!h.privilegesChecked) {
      // Linux clears setuid (and setgid with group-exec) when a non-root process writes; check once per handle
      h.privilegesChecked = true;
      if (!h.caller.isRoot()) {
        InodeAttributes a = meta.getAttributes(h.inode);
        int killed = Access.killPriv(a.mode());
        if (killed != a.mode()) {
          meta.setAttributes(h.inode, new AttrUpdate(killed, null, null, null, null, null));
        }
      }
    }
    int n = src.remaining();
    if (!dirtyLimit.admits(n)) {
      dirtyLimit.await(n, () -> {
        try {
          sealAndUpload(h.file); // our own unsaved data must be able to leave too
        } catch (FsException e) {
          log.debug("cannot seal {} while waiting for room: {}", h.inode, e.getMessage());
        }
      });
    }
    try {
      int written = h.file.write(offset, src, h.flags.append());
      if (written < n) {
        h.lostWrite = true; // a short write: the disk filled up
      }
      return written;
    } catch (FsException e) {
      if (e.error() == FsError.NO_SPACE) {
        h.lostWrite = true;
      }
      throw e;
    }
  }

  @Override
  public void flush(long handle) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file != null) {
      sealAndUpload(h.file);
      if (h.lostWrite) {
        h.lostWrite = false;
        throw new FsException(FsError.NO_SPACE, "a write to " + h.inode + " could not be stored: the disk was full");
      }
    }
  }

  @Override
  public void flush(long handle, long lockOwner) throws FsException {
    flush(handle);
    locks.closedBy(fileHandle(handle), lockOwner);
  }

  @Override
  public void fsync(long handle, boolean dataOnly) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file != null) {
      h.file.seal(this::journal);
      uploader.drain(h.file);
    }
    meta.sync(); // the commit itself must survive a power loss, not only the blobs
  }

  @Override
  public void release(long handle) throws FsException {
    FileHandle h = handles.closeFile(handle);
    locks.released(h);
    if (h.file == null) {
      return;
    }
    try {
      sealAndUpload(h.file);
      if (h.lostWrite) {
        throw new FsException(FsError.NO_SPACE, "a write to " + h.inode + " could not be stored: the disk was full");
      }
    } finally {
      releaseRef(h.file);
    }
  }

  private FileHandle fileHandle(long handle) throws FsException {
    return handles.file(handle);
  }

  private void sealAndUpload(OpenFile f) throws FsException {
    if (f.seal(this::journal) != null) {
      uploader.submit(f);
    }
  }

  private long journal(OpenFile f, long baseVersion, PendingUpload payload) throws FsException {
    return meta.journalAppend(
        new JournalEntry(0, f.id, hostId, baseVersion, payload.encode(), config.clock().instant())).id();
  }

  /** The shared OpenFile of {@code inode}, its handle count raised; the first local open marks it open. */
  private OpenFile acquire(InodeId inode) throws FsException {
    return acquire(inode, null);
  }

  /** @param created the attributes {@code meta.create} just returned (a new file has no chunks), or null */
  private OpenFile acquire(InodeId inode, InodeAttributes created) throws FsException {
    OpenFile f = load(inode, created);
    if (!openMarks.contains(inode)) {
      try {
        syncOpenMark(inode);
      } catch (FsException | RuntimeException e) {
        releaseRef(f);
        throw e;
      }
    }
    return f;
  }

  private OpenFile load(InodeId inode, InodeAttributes created) throws FsException {
    // the store is read outside the table's compute (see OpenFiles); a new file has no chunks to read
    return files.acquire(inode, id -> created != null
        ? new OpenFile(created, List.of(), config.chunkSize(), cache, config.clock())
        : newOpenFile(meta.getAttributes(id)));
  }

  private void releaseRef(OpenFile f) throws FsException {
    if (files.release(f) == 0) {
      try {
        syncOpenMark(f.id);
      } catch (FsException e) {
        log.warn("cannot clear the open mark of {} ({}); it expires on its own", f.id, e.getMessage());
      }
      InodeAttributes a;
      try {
        a = meta.getAttributes(f.id);
      } catch (FsException e) {
        if (e.error() == FsError.NOT_FOUND) {
          return;
        }
        throw e;
      }
      if (a.nlink() == 0) {
        purgeIfClosed(f.id);
      }
    }
  }

  /** Runs after a background upload: drops a file nobody has open and nothing pending. */
  private void afterDrain(OpenFile f) {
    dirtyLimit.roomMade();
    files.dropIfUnused(f);
  }

  /** An unlinked inode: purge it now unless a handle still has it open (then the last release purges it). */
  private void purgeIfClosed(InodeId id) throws FsException {
    OpenFile local = files.get(id);
    if ((local == null || local.refs == 0) && openElsewhere(id)) {
      return; // the last closer on that host purges it
    }
    OpenFiles.Taken taken = files.takeForPurge(id);
    if (taken.busy()) {
      return;
    }
    List<Long> journalIds = List.of();
    if (taken.file() != null) {
      // Not under the upload lock: an upload in flight may take as long as the blob store stalls. The uploader
      // notices the discard and drops what it was doing.
      journalIds = taken.file().discard();
      taken.file().closeResources();
    }
    for (long j : journalIds) {
      meta.journalRemove(j);
    }
    dirtyLimit.roomMade();
    purge(id);
  }

  private void purge(InodeId id) throws FsException {
    CommitResult r;
    try {
      r = meta.purge(id);
    } catch (FsException e) {
      if (e.error() == FsError.BUSY) {
        return; // linked again meanwhile
      }
      throw e;
    }
    namespace.events().purged(id);
    if (!r.unreferenced().isEmpty()) {
      log.debug("purged {}: {} blob(s) unreferenced", id, r.unreferenced().size());
    }
  }

  // ======================================================================= helpers

  /** Named daemon threads; {@code nice} != 0 lowers (or raises) their scheduling priority (setting nice). */
  private static ThreadFactory threads(String name, int nice) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(nice == 0 ? r : BackgroundPriority.wrap(nice, r), "truckeefs-" + name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
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
    FsException failure = null;
    for (OpenFile f : List.copyOf(files.all())) {
      try {
        f.seal(this::journal);
        uploader.drain(f);
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

  @Override
  public Subscription watch(java.util.function.Consumer<FsChange> listener) {
    return feed.watch(listener);
  }

  @Override
  public void syncfs() throws FsException {
    syncAll();
    meta.sync();
  }

  @Override
  public void fallocate(long handle, int mode, long offset, long length) throws FsException {
    FileHandle h = fileHandle(handle);
    if (h.file == null || !h.flags.canWrite()) {
      throw new FsException(FsError.BAD_HANDLE, "handle " + handle + " is not open for writing");
    }
    if (offset < 0 || length <= 0) {
      throw new FsException(FsError.INVALID, "bad fallocate range " + offset + "+" + length);
    }
    if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE) {
      throw new FsException(FsError.NOT_SUPPORTED, "fallocate mode " + mode + " is not supported");
    }
    long end = offset + length;
    if (end < 0 || end > MAX_FILE_SIZE) {
      throw new FsException(FsError.FILE_TOO_BIG, "fallocate past " + MAX_FILE_SIZE);
    }
    // Space is not reserved (the blob store is shared and elastic); mode 0 makes the range part of the file.
    if (mode == 0 && end > h.file.size()) {
      h.file.truncate(end);
      feed.publish(Namespace.attrs(h.inode));
    }
  }

  /** Runs the upload-retry daemon's pass now: re-queues files whose backoff has passed. */
  void retryUploads() {
    long now = config.ticker().read();
    for (OpenFile f : files.all()) {
      if (f.pendingCount() > 0 && !f.uploadLock.isLocked() && now - f.nextRetryNanos >= 0) {
        uploader.submit(f);
      }
    }
  }

  /** Runs the cache prune daemon's pass now. */
  ChunkCache.PruneResult pruneCache() {
    return cache.prune();
  }

  /** Runs the blob GC daemon's pass now. */
  int collectBlobs() throws FsException {
    return collector.collect();
  }

  ChunkCache cache() {
    return cache;
  }

  String hostId() {
    return hostId;
  }

  /** Calls and milliseconds per metadata-store method (see {@link Instrumented}). */
  Map<String, long[]> metadataCallStats() {
    return Instrumented.stats(instrumentedMeta);
  }

  /** Calls and milliseconds per blob-store method (see {@link Instrumented}). */
  Map<String, long[]> blobCallStats() {
    return Instrumented.stats(blobs);
  }

  @Override
  public void close() throws FsException {
    if (closed) {
      return;
    }
    closed = true;
    List<Exception> failures = new ArrayList<>();
    for (ScheduledFuture<?> d : daemons) {
      d.cancel(false);
    }
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
    shutdownPools();
    if (ownsScheduler) {
      scheduler.shutdownNow();
    }
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

  private void shutdownPools() {
    for (ExecutorService pool : List.of(drainPool, putPool, fetchPool)) {
      pool.shutdown();
    }
    for (ExecutorService pool : List.of(drainPool, putPool, fetchPool)) {
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

  @Override
  public String toString() {
    return "RiverFS[" + config.metadataUri().getScheme() + " + " + config.blobUri().getScheme() + ", cache "
        + config.cacheDir() + "]";
  }
}
