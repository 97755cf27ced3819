package org.truckeefs.core;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.Lease;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NamespaceMirror;

/**
 * Keeps the blob store's namespace mirror (Tahoe MIRROR) in step with the namespace. RiverFS's
 * {@link NamespaceEvents} become {@link MirrorOp}s, recorded in the metadata store's journal (owner
 * {@code mirror:<host>}: durable wherever the metadata is, ordered, and removed once applied, with no second
 * persistence format to get right) and applied in order by ONE writer thread — so no two writers race on a
 * mirrored directory. A failed step is retried with exponential backoff; a restart replays the journal.
 *
 * <p>State lives in the metadata, not in the ops: a SYNC makes one name match what the metadata says when it runs,
 * so replays, coalesced duplicates and steps interrupted by a crash (relink is two publishes) all converge. The map
 * directory inode → mirror directory handle is rebuilt at start by walking the namespace and the mirror's listings
 * side by side; that walk also queues a SYNC for every name that differs (missing, extra, other type, or a file whose
 * mirrored handle is not the one {@link MirrorFiles} recorded for its current version), which repairs a mirror that
 * fell behind without a journal. Names are compared NFC-normalized, as Tahoe stores them ({@link MirrorNames}).
 * An op leaves the journal only once applied, or refused for good by the mirror; an op cut off by close stays.
 *
 * <p>Costs and limits: the start walks the whole namespace (one listing per mirrored directory) and keeps, in
 * memory, each directory's place and handle, each file's names and each mirrored name's handle. An op is journaled
 * just after RiverFS applied the change, so a crash in between loses it; the start walk repairs that. A file with no
 * recorded handle (mirrored before records existed) is synced once at start, a re-upload that converges on its cap.
 * Per host: hosts sharing a filesystem each mirror their own changes; each op is applied under one coordinator lock
 * per mirror (rootcap), so at most one writer changes the Tahoe tree at a time across hosts.
 */
final class Mirror implements NamespaceEvents, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Mirror.class);
  private static final Duration FIRST_RETRY = Duration.ofMillis(100);
  private static final Duration MAX_RETRY = Duration.ofSeconds(30);
  private static final int PAGE = 1000;

  private record Location(InodeId dir, Name name) {}

  /** How long one op waits for the mirror's coordinator lock before it is retried later. */
  private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

  private final MetadataStore meta;
  private final NamespaceMirror mirror;
  private final Coordinator coordinator;
  /** The coordinator lock every host's writer holds while it changes this mirror; named by a hash, not the cap. */
  private final String lockKey;
  private final long chunkSize;
  private final String owner;
  private final Clock clock;
  private final ScheduledExecutorService writer;

  // Guarded by this: what the event side knows of the namespace, and the queue.
  private final Map<InodeId, Location> dirs = new HashMap<>();
  private final Map<InodeId, Set<Location>> fileNames = new HashMap<>();
  private final Deque<MirrorOp> queue = new ArrayDeque<>();
  /** When each op of {@link #queue} was queued (System.nanoTime), in the same order: the mirror's lag. */
  private final Deque<Long> queuedAt = new ArrayDeque<>();
  /** SYNC keys queued and not started, with their position; coalescing must not jump over a later RENAME. */
  private final Map<String, Long> pendingSyncs = new HashMap<>();
  private long enqueued;
  private long lastRename = -1;
  private boolean draining;
  private Duration retryDelay = FIRST_RETRY;

  // Writer thread only.
  private final Map<InodeId, String> dircaps = new ConcurrentHashMap<>();
  /**
   * What the writer last linked at each name, so a RENAME relinks only when the source really holds the moved
   * inode (a SYNC applied early may have linked another inode there); otherwise both names are synced.
   */
  private final Map<Location, String> linked = new ConcurrentHashMap<>();
  private final MirrorFiles files;
  /** Set by close: a step that fails from now on failed because the writer is stopping, and stays journaled. */
  private volatile boolean closing;

  private Mirror(MetadataStore meta, NamespaceMirror mirror, Coordinator coordinator, long chunkSize, String hostId,
      Clock clock) {
    this.meta = meta;
    this.mirror = mirror;
    this.coordinator = coordinator;
    this.lockKey = "mirror:" + lockName(mirror.root());
    this.chunkSize = chunkSize;
    this.owner = "mirror:" + hostId;
    this.clock = clock;
    this.files = new MirrorFiles(meta, hostId, clock);
    this.writer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "truckeefs-mirror");
      t.setDaemon(true);
      return t;
    });
  }

  /** Setting {@code mirror_close_timeout}: how long close waits for the mirror to catch up (the rest is journaled). */
  static final String CLOSE_TIMEOUT_KEY = "mirror_close_timeout";
  static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);

  /** The mirror of the blob store, started, or null when the store keeps none. */
  static Mirror startIfKept(BlobStore blobs, MetadataStore meta, Coordinator coordinator, long chunkSize,
      String hostId, Clock clock, BackendConfig config) throws FsException {
    Optional<NamespaceMirror> m = blobs.namespaceMirror();
    if (m.isEmpty()) {
      return null;
    }
    Duration lease = LeaseRenewalDaemon.interval(config);
    closeTimeout(config);
    Mirror mirror = start(meta, m.get(), coordinator, chunkSize, hostId, clock);
    mirror.writer.scheduleWithFixedDelay(mirror::renewLeases, lease.toMillis(), lease.toMillis(),
        TimeUnit.MILLISECONDS);
    return mirror;
  }

  /**
   * Mirrored directories and whole files are not live blobs, so the lease daemon does not renew them; this does,
   * on the writer thread (a renewal pass delays mirror updates, never races them).
   */
  private void renewLeases() {
    Set<String> handles = new HashSet<>(dircaps.values());
    handles.addAll(linked.values());
    int failed = 0;
    for (String h : handles) {
      try {
        mirror.renewLease(h);
      } catch (FsException | RuntimeException e) {
        failed++;
      }
    }
    if (failed > 0) {
      log.warn("mirror: {} of {} lease renewals failed; retried at the next interval", failed, handles.size());
    }
  }

  static Duration closeTimeout(BackendConfig config) throws FsException {
    Duration d = config.getDuration(CLOSE_TIMEOUT_KEY, DEFAULT_CLOSE_TIMEOUT);
    if (d.isNegative()) {
      throw new FsException(FsError.INVALID, "setting " + CLOSE_TIMEOUT_KEY + " must not be negative");
    }
    return d;
  }

  /** Rebuilds the maps, replays the journal, queues repairs for differences, and starts the writer. */
  static Mirror start(MetadataStore meta, NamespaceMirror mirror, Coordinator coordinator, long chunkSize,
      String hostId, Clock clock) throws FsException {
    Mirror m = new Mirror(meta, mirror, coordinator, chunkSize, hostId, clock);
    try {
      List<MirrorOp> repairs = new ArrayList<>();
      m.dircaps.put(InodeId.ROOT, mirror.root());
      m.files.load();
      m.walk(InodeId.ROOT, Optional.of(mirror.root()), repairs);
      synchronized (m) {
        for (JournalEntry e : meta.journal(m.owner)) {
          m.queue.add(MirrorOp.decode(e.payload(), e.id()));
          m.queuedAt.add(System.nanoTime());
          m.enqueued++;
        }
      }
      if (!m.queue.isEmpty()) {
        log.info("mirror: replaying {} pending update(s)", m.queue.size());
      }
      for (MirrorOp r : repairs) {
        m.enqueue(r);
      }
      if (!repairs.isEmpty()) {
        log.info("mirror: {} name(s) differ from the namespace; repairing", repairs.size());
      }
      m.kick(0);
      return m;
    } catch (FsException | RuntimeException e) {
      m.writer.shutdownNow();
      throw e;
    }
  }

  /** The namespace under {@code dir}, and its mirror listing when the mirror has that directory. */
  private void walk(InodeId dir, Optional<String> handle, List<MirrorOp> repairs) throws FsException {
    Map<String, NamespaceMirror.Child> mirrored = handle.isPresent() ? new HashMap<>(mirror.list(handle.get()))
        : null;
    Set<String> seen = new HashSet<>();
    long after = 0;
    while (true) {
      List<DirEntry> page = meta.readDir(dir, after, PAGE);
      for (DirEntry e : page) {
        after = e.cookie();
        Location loc = new Location(dir, e.name());
        String name = MirrorNames.of(e.name());
        if (!seen.add(name)) {
          // Tahoe holds both spellings as one NFC name: mirroring both would make them overwrite each other.
          log.warn("mirror: two names in one directory are the same name once NFC-normalized, as Tahoe stores"
              + " names; only the first is mirrored");
          continue;
        }
        NamespaceMirror.Child child = mirrored == null ? null : mirrored.remove(name);
        if (child != null) {
          linked.put(loc, child.handle());
        }
        if (e.type() == InodeType.DIRECTORY) {
          dirs.put(e.inode(), loc);
          Optional<String> sub = Optional.empty();
          if (child != null && child.directory()) {
            dircaps.put(e.inode(), child.handle());
            sub = Optional.of(child.handle());
          } else {
            repairs.add(MirrorOp.sync(dir, e.name()));
          }
          walk(e.inode(), sub, repairs);
        } else if (e.type() == InodeType.FILE) {
          fileNames.computeIfAbsent(e.inode(), k -> new HashSet<>()).add(loc);
          // Content identity: the handle recorded for the file's current version, not its size (a same-size
          // overwrite that never reached the mirror has the old handle there).
          long version = meta.getAttributes(e.inode()).version();
          if (child == null || child.directory()
              || !files.handle(e.inode(), version).map(child.handle()::equals).orElse(false)) {
            repairs.add(MirrorOp.sync(dir, e.name()));
          }
        } else if (child != null) {
          repairs.add(MirrorOp.sync(dir, e.name())); // not mirrored (symlink, FIFO, device): must not be there
        }
      }
      if (page.size() < PAGE) {
        break;
      }
    }
    if (mirrored != null) {
      for (String extra : mirrored.keySet()) {
        try {
          repairs.add(MirrorOp.sync(dir, Name.of(extra)));
        } catch (FsException notAName) {
          log.warn("mirror: a mirrored directory holds a name this filesystem cannot have; left alone");
        }
      }
    }
  }

  // ---- events (caller threads; must not throw)

  @Override
  public void created(InodeId parent, Name name, InodeAttributes inode) {
    synchronized (this) {
      if (inode.isDirectory()) {
        dirs.put(inode.id(), new Location(parent, name));
      } else if (inode.isFile()) {
        fileNames.computeIfAbsent(inode.id(), k -> new HashSet<>()).add(new Location(parent, name));
      }
    }
    enqueueQuietly(MirrorOp.sync(parent, name));
  }

  @Override
  public void linked(InodeId parent, Name name, InodeAttributes inode) {
    synchronized (this) {
      if (inode.isFile()) {
        fileNames.computeIfAbsent(inode.id(), k -> new HashSet<>()).add(new Location(parent, name));
      }
    }
    enqueueQuietly(MirrorOp.sync(parent, name));
  }

  @Override
  public void removed(InodeId parent, Name name, InodeAttributes inode) {
    Location loc = new Location(parent, name);
    synchronized (this) {
      if (inode.isDirectory()) {
        dirs.remove(inode.id());
      } else {
        Set<Location> names = fileNames.get(inode.id());
        if (names != null) {
          names.remove(loc);
        }
      }
    }
    enqueueQuietly(MirrorOp.sync(parent, name));
  }

  @Override
  public void renamed(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags) {
    Location from = new Location(parent, name);
    Location to = new Location(newParent, newName);
    try {
      moved(to, from);
      if (flags == RenameFlags.EXCHANGE) {
        moved(from, to);
      }
    } catch (FsException | RuntimeException e) {
      log.warn("mirror: cannot follow a rename ({}); the names are synced instead", e.getMessage());
    }
    if (flags == RenameFlags.EXCHANGE) {
      enqueueQuietly(MirrorOp.sync(parent, name));
      enqueueQuietly(MirrorOp.sync(newParent, newName));
    } else {
      enqueueQuietly(MirrorOp.rename(parent, name, newParent, newName));
    }
  }

  /** The inode now at {@code now} was at {@code before}. The lookup runs outside the lock (it may be SQL). */
  private void moved(Location now, Location before) throws FsException {
    Optional<DirEntry> e = meta.lookup(now.dir(), now.name());
    if (e.isEmpty()) {
      return;
    }
    synchronized (this) {
      if (e.get().type() == InodeType.DIRECTORY) {
        dirs.put(e.get().inode(), now);
      } else if (e.get().type() == InodeType.FILE) {
        Set<Location> names = fileNames.computeIfAbsent(e.get().inode(), k -> new HashSet<>());
        names.remove(before);
        names.add(now);
      }
    }
  }

  @Override
  public void contentCommitted(InodeAttributes inode) {
    List<Location> names;
    synchronized (this) {
      Set<Location> known = fileNames.get(inode.id());
      names = known == null ? List.of() : new ArrayList<>(known);
    }
    for (Location l : names) {
      enqueueQuietly(MirrorOp.sync(l.dir(), l.name()));
    }
  }

  @Override
  public synchronized void purged(InodeId inode) {
    fileNames.remove(inode);
    try {
      writer.execute(() -> files.forget(inode)); // SQL off the caller's thread and out of this lock
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      // the next start drops records of files that are gone
    }
  }

  private void enqueueQuietly(MirrorOp op) {
    try {
      enqueue(op);
    } catch (FsException | RuntimeException e) {
      log.error("mirror: cannot journal {} ({}); the mirror repairs it at the next start", op, e.getMessage());
    }
  }

  /**
   * Journals an op and queues it. The journal insert runs outside the lock (it is SQL, maybe over the network), so
   * events on other threads are not held up by it; ops of concurrent events may then be queued in another order
   * than journaled, which is harmless as no order is defined between them and every op converges on the metadata.
   */
  private void enqueue(MirrorOp op) throws FsException {
    synchronized (this) {
      if (op.kind() == MirrorOp.Kind.SYNC) {
        Long at = pendingSyncs.get(op.key());
        if (at != null && at > lastRename) {
          return; // the queued SYNC runs later than this change and syncs the same name
        }
      }
    }
    JournalEntry e = meta.journalAppend(new JournalEntry(0, op.dir(), owner, 0, op.encode(), clock.instant()));
    add(op.withJournalId(e.id()));
  }

  private synchronized void add(MirrorOp op) {
    long position = enqueued++;
    queue.add(op);
    queuedAt.add(System.nanoTime());
    if (op.kind() == MirrorOp.Kind.SYNC) {
      pendingSyncs.put(op.key(), position);
    } else {
      lastRename = position;
    }
    kick(0);
  }

  // ---- the writer

  private synchronized void kick(long delayMillis) {
    if (draining || queue.isEmpty() || writer.isShutdown()) {
      return;
    }
    draining = true;
    writer.schedule(this::drain, delayMillis, TimeUnit.MILLISECONDS);
  }

  private void drain() {
    while (true) {
      MirrorOp op;
      synchronized (this) {
        op = queue.peek();
        if (op == null || writer.isShutdown()) {
          draining = false;
          notifyAll();
          return;
        }
        if (op.kind() == MirrorOp.Kind.SYNC) {
          pendingSyncs.remove(op.key()); // from now on a change needs a new SYNC
        }
      }
      try (Lease held = coordinator.writeLock(lockKey, LOCK_WAIT)) {
        // One writer per mirror across hosts: two gateways (or two hosts) writing one Tahoe directory lose updates
        // silently (tahoe-webapi.md 2.7). Held across the step's requests on purpose: that is what it guards.
        apply(op);
      } catch (FsException | RuntimeException e) {
        if (closing) {
          // Stopping (the HTTP pool closes, the thread is interrupted): the op stays journaled for the next start.
          log.info("mirror: {} interrupted by close; applied at the next start", op);
          synchronized (this) {
            draining = false;
            notifyAll();
          }
          return;
        }
        if (e instanceof RuntimeException || transientFailure((FsException) e)) {
          long delay;
          synchronized (this) {
            delay = retryDelay.toMillis();
            retryDelay = retryDelay.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retryDelay.multipliedBy(2);
            draining = false;
            kick(delay);
            notifyAll();
          }
          if (e instanceof RuntimeException) {
            log.error("mirror: {} failed unexpectedly; kept, retrying in {} ms", op, delay, e);
          } else {
            log.warn("mirror: {} failed ({}); retrying in {} ms", op, e.getMessage(), delay);
          }
          return;
        }
        // A step the mirror refuses for good (e.g. a name it cannot hold): reported once, not retried forever.
        log.warn("mirror: {} cannot be applied ({}); dropped", op, e.getMessage());
      }
      try {
        meta.journalRemove(op.journalId());
      } catch (FsException e) {
        log.warn("mirror: cannot remove journal entry of {} ({}); it is replayed at the next start", op,
            e.getMessage());
      }
      synchronized (this) {
        queue.poll();
        queuedAt.poll();
        retryDelay = FIRST_RETRY;
        notifyAll();
      }
    }
  }

  private static boolean transientFailure(FsException e) {
    return switch (e.error()) {
      case IO, TIMED_OUT, AGAIN, INTERRUPTED, NO_SPACE, BUSY, STALE -> true;
      default -> false;
    };
  }

  private void apply(MirrorOp op) throws FsException {
    if (op.kind() == MirrorOp.Kind.SYNC) {
      sync(op.dir(), op.name());
      return;
    }
    Optional<String> from = dircap(op.dir());
    Optional<String> to = dircap(op.toDir());
    Location source = new Location(op.dir(), op.name());
    Location target = new Location(op.toDir(), op.toName());
    String moving = linked.get(source);
    if (from.isPresent() && to.isPresent() && moving != null && moving.equals(expectedHandle(target))) {
      try {
        mirror.rename(from.get(), mirrorName(op.name()), to.get(), mirrorName(op.toName()));
        linked.remove(source);
        linked.put(target, moving);
        return;
      } catch (FsException e) {
        if (transientFailure(e)) {
          throw e;
        }
        // ENOENT (never mirrored, or a retried relink that had completed), or a name relink cannot take
      }
    }
    sync(op.dir(), op.name());
    sync(op.toDir(), op.toName());
  }

  /** The mirror handle of what the metadata names at {@code loc} now, when the writer knows it; else null. */
  private String expectedHandle(Location loc) {
    try {
      Optional<DirEntry> e = meta.lookup(loc.dir(), loc.name());
      if (e.isEmpty()) {
        return null;
      }
      if (e.get().type() == InodeType.DIRECTORY) {
        return dircaps.get(e.get().inode());
      }
      return files.handle(e.get().inode(), meta.getAttributes(e.get().inode()).version()).orElse(null);
    } catch (FsException e) {
      return null;
    }
  }

  /** Makes {@code name} in {@code dir} in the mirror what the metadata says now. */
  private void sync(InodeId dir, Name name) throws FsException {
    Optional<String> cap = dircap(dir);
    if (cap.isEmpty()) {
      return; // the directory is gone; its parent's SYNC removed it from the mirror
    }
    String n = mirrorName(name);
    Optional<DirEntry> entry;
    try {
      entry = meta.lookup(dir, name);
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND || e.error() == FsError.NOT_DIRECTORY) {
        return;
      }
      throw e;
    }
    Location loc = new Location(dir, name);
    if (entry.isEmpty()) {
      mirror.unlink(cap.get(), n);
      linked.remove(loc);
      return;
    }
    InodeId id = entry.get().inode();
    switch (entry.get().type()) {
      case DIRECTORY -> {
        String sub = dircaps.get(id);
        if (sub == null) {
          sub = newDir(cap.get(), loc);
          dircaps.put(id, sub);
        } else if (!sub.equals(linked.get(loc))) {
          mirror.link(cap.get(), n, sub);
        }
        linked.put(loc, sub);
      }
      case FILE -> {
        String file = wholeFile(id);
        if (!file.equals(linked.get(loc))) {
          mirror.link(cap.get(), n, file);
          linked.put(loc, file);
        }
      }
      default -> {
        mirror.unlink(cap.get(), n);
        linked.remove(loc);
      }
    }
  }

  /**
   * The mirror directory for a directory inode that has none yet. What the writer linked at that name belongs to
   * another inode, so it goes first: mkdir by path would otherwise adopt a directory that is not this one.
   */
  private String newDir(String parent, Location loc) throws FsException {
    String name = mirrorName(loc.name());
    if (linked.remove(loc) != null) {
      mirror.unlink(parent, name);
    }
    return mkdir(parent, name);
  }

  /** mkdir by path; a file left where the directory goes (e.g. by an interrupted step) is unlinked first. */
  private String mkdir(String parent, String name) throws FsException {
    try {
      return mirror.mkdir(parent, name);
    } catch (FsException e) {
      if (e.error() != FsError.EXISTS && e.error() != FsError.INVALID) {
        throw e; // Tahoe answers a file in the way with 409, or 400 when it is the last name
      }
      mirror.unlink(parent, name);
      return mirror.mkdir(parent, name);
    }
  }

  /** The mirror's whole-file handle for the file's current content; uploads it unless known for this version. */
  private String wholeFile(InodeId id) throws FsException {
    for (int attempt = 0; ; attempt++) {
      InodeAttributes before = meta.getAttributes(id);
      Optional<String> known = files.handle(id, before.version());
      if (known.isPresent()) {
        return known.get();
      }
      List<ChunkRef> chunks = meta.chunks(id);
      InodeAttributes after = meta.getAttributes(id);
      if (after.version() != before.version() && attempt < 3) {
        continue; // a commit landed in between; read a consistent pair
      }
      String handle = mirror.storeFile(chunks, chunkSize, after.size());
      files.record(id, after.version(), handle);
      return handle;
    }
  }

  /** A directory's mirror handle, creating the mirror directories on the way when needed. */
  private Optional<String> dircap(InodeId dir) throws FsException {
    String known = dircaps.get(dir);
    if (known != null) {
      return Optional.of(known);
    }
    Location loc;
    synchronized (this) {
      loc = dirs.get(dir);
    }
    if (loc == null) {
      return Optional.empty();
    }
    Optional<DirEntry> here = meta.lookup(loc.dir(), loc.name());
    if (here.isEmpty() || !here.get().inode().equals(dir)) {
      return Optional.empty(); // moved or removed since; a queued op follows it
    }
    Optional<String> parent = dircap(loc.dir());
    if (parent.isEmpty()) {
      return Optional.empty();
    }
    String cap = newDir(parent.get(), loc);
    dircaps.put(dir, cap);
    linked.put(loc, cap);
    return Optional.of(cap);
  }

  /** A name for the lock that does not reveal the rootcap (a cap is a secret; lock keys may be seen in Redis). */
  static String lockName(String rootHandle) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(rootHandle.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String mirrorName(Name name) {
    return MirrorNames.of(name);
  }

  /** Waits until every queued update is applied, or the timeout passes; true when idle. */
  synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!queue.isEmpty()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      TimeUnit.NANOSECONDS.timedWait(this, left);
    }
    return true;
  }

  synchronized int pending() {
    return queue.size();
  }

  /** How long the oldest update not yet applied to the mirror has waited, in nanoseconds (0 when none). */
  synchronized long lagNanos() {
    Long oldest = queuedAt.peek();
    return oldest == null ? 0 : System.nanoTime() - oldest;
  }

  /** Gives the writer up to {@code drain} to catch up; what is left stays journaled for the next start. */
  void close(Duration drain) {
    try {
      if (!awaitIdle(drain)) {
        log.warn("mirror: {} update(s) still pending at close; they are applied at the next start", pending());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closing = true;
    writer.shutdownNow();
    try {
      writer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }
}
