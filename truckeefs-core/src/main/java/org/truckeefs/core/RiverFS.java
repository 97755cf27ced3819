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
  private final WriteBack writeBack;
  private final FileLifecycle lifecycle;
  private final String hostId;
  private final Daemons daemons;
  private final WorkerPools pools;
  private final ExecutorService drainPool;
  private final ExecutorService putPool;
  private final ExecutorService fetchPool;
  private final CachePruner pruner;
  private final BlobCollector collector;
  private final OpenFiles files = new OpenFiles();
  private final HandleTable handles = new HandleTable();
  private final PosixLocks locks;
  private final Xattrs xattrs;
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
    this.daemons = new Daemons(scheduler, ownsScheduler);
    this.pools = new WorkerPools(config);
    this.drainPool = pools.uploads;
    this.putPool = pools.puts;
    this.fetchPool = pools.readAhead;
    this.cache = ChunkCache.open(config.cacheDir(), blobs, config.clock(), config.cacheSize(), config.cacheTtl(),
        fetchPool, config.freeSpaceFloor());
    this.dirtyLimit = new DirtyLimit(DirtyLimit.effective(config, cache, cache.usableBytes()), cache);
    this.hostId = HostId.load(config.cacheDir());
    this.pruner = new CachePruner(cache);
    this.collector = new BlobCollector(meta, blobs, cache, config.clock(), config.blobGcGrace());
    this.feed = new ChangeFeed(coordinator);
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
    }, config.clock(), config.ticker());
    this.writeBack = new WriteBack(meta, blobs, coordinator, files, dirtyLimit, hostId, config.clock(),
        config.ticker(), config.uploadRetryDelay(), RiverFsConfig.MAX_UPLOAD_RETRY_DELAY, drainPool, putPool, a -> {
          namespace.events().contentCommitted(a);
          feed.publish(new FsChange.Content(a.id(), false));
        });
    this.lifecycle = new FileLifecycle(meta, coordinator, files, writeBack, this::newOpenFile, hostId, namespace);
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
    OpenFile held = c.size() != null && fh == null ? lifecycle.acquire(inode) : null;
    try {
      if (c.size() != null) {
        OpenFile f = fh != null ? fh.file : held;
        f.truncate(c.size());
        writeBack.closed(f);
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
        lifecycle.release(held);
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
    OpenFile f = lifecycle.acquire(a.id(), a);
    return new OpenResult(handles.openFile(f, a.id(), flags, caller), f.overlay(a), false);
  }

  @Override
  public OpenResult open(Caller caller, InodeId inode, OpenFlags flags) throws FsException {
    InodeAttributes a = namespace.getattrFresh(inode);
    if (!Namespace.checkOpen(caller, a, flags)) {
      return new OpenResult(handles.openFile(null, inode, flags, caller), a, true);
    }
    boolean wasOpen = files.contains(inode);
    OpenFile f = lifecycle.acquire(inode);
    try {
      // close-to-open: what another host committed since this host loaded the file becomes visible now
      boolean refreshed = writeBack.revalidate(f, a.version());
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
      lifecycle.release(f);
      throw e;
    }
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
    writeBack.admit(h.file, n);
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
      writeBack.closed(h.file);
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
      writeBack.commitNow(h.file);
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
      writeBack.closed(h.file);
      if (h.lostWrite) {
        throw new FsException(FsError.NO_SPACE, "a write to " + h.inode + " could not be stored: the disk was full");
      }
    } finally {
      lifecycle.release(h.file);
    }
  }

  private FileHandle fileHandle(long handle) throws FsException {
    return handles.file(handle);
  }

  // ======================================================================= helpers

  private OpenFile newOpenFile(InodeAttributes attrs, boolean isNew) throws FsException {
    return new OpenFile(attrs, isNew ? List.of() : meta.chunks(attrs.id()), config.chunkSize(), cache, config.clock());
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
    daemons.stop();
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
