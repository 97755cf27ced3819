package org.truckeefs.core;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitOutcome;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.CreateResult;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.StoreStats;
import org.truckeefs.spi.Ticker;
import org.truckeefs.spi.UnlinkResult;

/**
 * The metadata store with an in-process cache of attributes, directory entries (absent ones too) and "this inode has
 * no extended attributes", so that stat, lookup and the xattr probes of {@code ls -l} and of every write(2) answer
 * from memory.
 *
 * <p>Coherence: every change this host makes passes through here and invalidates what it touches once the store
 * call returns (also when it fails: the store may have applied it), and {@link CacheStripes} keeps a read that
 * overlapped the change from caching what it read before it. So on one host the cache is exact. Another host's
 * changes reach it as remote {@link FsChange} events ({@link #onChange}); a missed event costs at most the ttl
 * ({@code metadata_cache_ttl}, by default the kernel's own 1 s attribute/entry timeout).
 *
 * <p>Only the {@code cached*} methods answer from memory, and {@link #latestAttributes} when this is the only host.
 * The SPI reads go to the store (and, but for readDirPlus, refresh the cache), so code that needs the store's latest
 * state (uploads, recovery) keeps getting it.
 */
final class CachedMetadataStore implements MetadataStore {
  private static final long MAX_ENTRIES = 200_000;

  private record EntryKey(InodeId parent, Name name) {}

  private record NoXattrs(InodeId inode) {}

  /**
   * The value of an inode this host purged: its attributes read as ENOENT without a store call (the kernel sends a
   * SETATTR of ctime for the inode right after every unlink). Exact because inode ids are never reused
   * ({@link MetadataStore#create}); an inode this cache is told was created replaces it anyway.
   */
  private static final Object GONE = new Object();

  private final MetadataStore store;
  private final boolean enabled;
  /** This host is the only one: nothing changes the store but through here, so the cache is exact. */
  private final boolean soleHost;
  /** InodeId to InodeAttributes, EntryKey to Optional of the InodeId it names (empty: no entry), NoXattrs to TRUE. */
  private final CacheStripes<Object, Object> cache;
  /** The directories whose every name is known, for lookups of absent names; keeps none when the cache is off. */
  private final DirectoryNames dirNames;

  /** Cache upkeep on the caller's thread (tests). */
  CachedMetadataStore(MetadataStore store, Duration ttl, Ticker ticker) {
    this(store, ttl, ticker, null);
  }

  /** Cache upkeep (dropping expired entries) on {@code upkeep}, the filesystem's background scheduler. */
  CachedMetadataStore(MetadataStore store, Duration ttl, Ticker ticker, ScheduledExecutorService upkeep) {
    this(store, ttl, ticker, upkeep, false);
  }

  /**
   * @param soleHost this is the only host ({@link RiverFsConfig#soleHost}): {@link #latestAttributes} may answer
   *     from memory
   */
  CachedMetadataStore(MetadataStore store, Duration ttl, Ticker ticker, ScheduledExecutorService upkeep,
      boolean soleHost) {
    this.store = store;
    this.enabled = !ttl.isZero();
    this.soleHost = soleHost;
    this.cache = new CacheStripes<>(enabled ? ttl : Duration.ofNanos(1), MAX_ENTRIES, ticker, upkeep);
    // one host keeps them as long as its other entries; several, as long as the kernel keeps a negative entry
    this.dirNames = new DirectoryNames(ticker, !enabled ? Duration.ZERO
        : ttl.compareTo(DirectoryNames.LIFETIME) > 0 ? ttl : DirectoryNames.LIFETIME, DirectoryNames.MAX_NAMES);
  }

  /** The store behind the cache, for work that must see every change (a metadata load) and then {@link #clear}. */
  MetadataStore store() {
    return store;
  }

  // ---- cached reads ----

  /** The attributes, from memory when known. */
  InodeAttributes cachedAttributes(InodeId inode) throws FsException {
    if (enabled) {
      Object v = cache.get(inode);
      if (v instanceof InodeAttributes a) {
        return a;
      }
      if (v == GONE) {
        throw FsException.notFound("inode " + inode + " was removed");
      }
    }
    return getAttributes(inode);
  }

  /**
   * The attributes as the store has them now, for close-to-open (an open must see what another host committed):
   * from memory when this is the only host, since then every change passes through here and the cache is exact;
   * else from the store.
   */
  InodeAttributes latestAttributes(InodeId inode) throws FsException {
    return soleHost ? cachedAttributes(inode) : getAttributes(inode);
  }

  /** The attributes of the inode {@code name} names in {@code parent}, or empty, from memory when known. */
  Optional<InodeAttributes> cachedLookupAttributes(InodeId parent, Name name) throws FsException {
    if (enabled && cache.get(new EntryKey(parent, name)) instanceof Optional<?> e) {
      if (e.isEmpty()) {
        return Optional.empty();
      }
      if (cache.get(e.get()) instanceof InodeAttributes a) {
        return Optional.of(a);
      }
    }
    if (dirNames.absent(parent, name)) {
      return Optional.empty();
    }
    return lookupAttributes(parent, name);
  }

  /**
   * What the cache knows of the entry {@code name} in {@code parent}: the inode it names, empty when it is known
   * to be absent, or null when the cache does not know. Never asks the store.
   */
  Optional<InodeId> cachedEntry(InodeId parent, Name name) {
    if (enabled && cache.get(new EntryKey(parent, name)) instanceof Optional<?> e) {
      return e.map(InodeId.class::cast);
    }
    if (dirNames.absent(parent, name)) {
      return Optional.empty();
    }
    return null;
  }

  /** The attribute's value, or empty; an inode known to have none costs no store call. */
  Optional<byte[]> cachedGetXattr(InodeId inode, String name) throws FsException {
    if (enabled && cache.get(new NoXattrs(inode)) != null) {
      return Optional.empty();
    }
    return getXattr(inode, name);
  }

  /** The attribute names; an inode known to have none costs no store call. */
  List<String> cachedListXattr(InodeId inode) throws FsException {
    if (enabled && cache.get(new NoXattrs(inode)) != null) {
      return List.of();
    }
    return listXattr(inode);
  }

  /**
   * The names from the store, the attributes from memory: a listing's entries map four columns a row instead of
   * fifteen, and {@code ls -l} of a directory whose files this host made or stat-ed costs one light query per page.
   * From the first entry whose attributes are not in memory on, the page is the store's join; its attributes are
   * remembered (one put per entry), so the next listing of the directory is served from memory too.
   */
  List<DirEntryPlus> cachedReadDirPlus(InodeId directory, long afterCookie, int limit) throws FsException {
    if (!enabled) {
      return store.readDirPlus(directory, afterCookie, limit);
    }
    List<DirEntry> names = store.readDir(directory, afterCookie, limit);
    List<DirEntryPlus> out = new ArrayList<>(names.size());
    for (DirEntry e : names) {
      if (!(cache.get(e.inode()) instanceof InodeAttributes a)) {
        long after = out.isEmpty() ? afterCookie : out.get(out.size() - 1).entry().cookie();
        long[] stamp = cache.stamp();
        for (DirEntryPlus p : store.readDirPlus(directory, after, limit - out.size())) {
          cache.put(p.attributes().id(), p.attributes(), stamp);
          out.add(p);
        }
        return out;
      }
      out.add(new DirEntryPlus(e, a));
    }
    return out;
  }

  /** Forgets everything: another host may have missed events, or the store changed behind this cache. */
  void clear() {
    cache.clear();
    dirNames.clear();
  }

  /** A change event; only other hosts' changes matter (this host's went through here). */
  void onChange(FsChange change) {
    if (!change.remote()) {
      return;
    }
    if (change instanceof FsChange.Attributes a) {
      forget(a.inode());
    } else if (change instanceof FsChange.Content c) {
      forget(c.inode());
    } else if (change instanceof FsChange.Entry e) {
      entryChanged(e.parent(), e.name());
      dirNames.remoteChange(e.parent());
    } else {
      clear(); // Overflow
    }
  }

  // ---- reads: from the store, and remembered ----

  @Override
  public InodeAttributes getAttributes(InodeId inode) throws FsException {
    long[] stamp = cache.stamp();
    InodeAttributes a = store.getAttributes(inode);
    cache.put(inode, a, stamp);
    return a;
  }

  @Override
  public Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException {
    long[] stamp = cache.stamp();
    Optional<DirEntry> e = store.lookup(parent, name);
    cache.put(new EntryKey(parent, name), e.map(DirEntry::inode), stamp);
    return e;
  }

  @Override
  public Optional<InodeAttributes> lookupAttributes(InodeId parent, Name name) throws FsException {
    long[] stamp = cache.stamp();
    Optional<InodeAttributes> a = store.lookupAttributes(parent, name);
    cache.put(new EntryKey(parent, name), a.map(InodeAttributes::id), stamp);
    a.ifPresent(attrs -> cache.put(attrs.id(), attrs, stamp));
    return a;
  }

  @Override
  public List<DirEntry> readDir(InodeId directory, long afterCookie, int limit) throws FsException {
    long[] stamp = cache.stamp();
    List<DirEntry> page = store.readDir(directory, afterCookie, limit);
    for (DirEntry e : page) {
      cache.put(new EntryKey(directory, e.name()), Optional.of(e.inode()), stamp);
    }
    return page;
  }

  /** Not remembered: the kernel keeps a READDIRPLUS listing's attributes itself ({@link #cachedReadDirPlus}). */
  @Override
  public List<DirEntryPlus> readDirPlus(InodeId directory, long afterCookie, int limit) throws FsException {
    return store.readDirPlus(directory, afterCookie, limit);
  }

  @Override
  public Optional<byte[]> getXattr(InodeId inode, String name) throws FsException {
    if (!enabled) {
      return store.getXattr(inode, name);
    }
    // Almost no inode has xattrs: one listing (as cheap as the read) tells whether any exist, and is remembered.
    long[] stamp = cache.stamp();
    List<String> names = store.listXattr(inode);
    if (names.isEmpty()) {
      cache.put(new NoXattrs(inode), Boolean.TRUE, stamp);
      return Optional.empty();
    }
    return names.contains(name) ? store.getXattr(inode, name) : Optional.empty();
  }

  @Override
  public List<String> listXattr(InodeId inode) throws FsException {
    long[] stamp = cache.stamp();
    List<String> names = store.listXattr(inode);
    if (names.isEmpty()) {
      cache.put(new NoXattrs(inode), Boolean.TRUE, stamp);
    }
    return names;
  }

  @Override
  public InodeId parentOf(InodeId directory) throws FsException {
    return store.parentOf(directory);
  }

  @Override
  public String readSymlink(InodeId inode) throws FsException {
    return store.readSymlink(inode);
  }

  @Override
  public List<ChunkRef> chunks(InodeId inode) throws FsException {
    return store.chunks(inode);
  }

  // ---- changes: through to the store, then invalidate what they touched ----

  @Override
  public InodeAttributes initRoot(NewInode spec) throws FsException {
    try {
      return store.initRoot(spec);
    } finally {
      cache.invalidate(InodeId.ROOT);
    }
  }

  @Override
  public InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException {
    return createEntry(parent, name, spec).created();
  }

  /**
   * The new entry and inode are cached as the store returned them (the kernel asks for them next), and so is the
   * directory when the store reported its attributes (the kernel asks for them right after).
   */
  @Override
  public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
    long[] stamp = cache.stamp();
    long mark = dirNames.mark();
    CreateResult r;
    try {
      r = store.createEntry(parent, name, spec);
    } catch (FsException | RuntimeException e) {
      failed(e, parent, name);
      throw e;
    }
    InodeAttributes a = r.created();
    if (enabled) {
      // a lookup that read the entry as absent must not cache that after this: replace, not put
      cache.replace(new EntryKey(parent, name), Optional.of(a.id()), stamp);
      // nobody can have read the new inode before it existed (replace: a GONE of a reused id must not survive)
      cache.replace(a.id(), a, stamp);
      cache.put(new NoXattrs(a.id()), Boolean.TRUE, stamp);
      dirNames.added(parent, name);
      if (a.isDirectory()) {
        dirNames.made(a.id(), mark);
      }
    } else {
      cache.invalidate(new EntryKey(parent, name));
    }
    directoryChanged(parent, r.parent(), stamp);
    return r;
  }

  @Override
  public InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException {
    try {
      InodeAttributes a = store.link(inode, parent, name, now);
      dirNames.added(parent, name);
      return a;
    } finally {
      entryChanged(parent, name);
      cache.invalidate(inode);
    }
  }

  @Override
  public InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException {
    Optional<InodeId> victim = cachedTarget(parent, name);
    try {
      InodeAttributes a = store.unlink(parent, name, directory, now);
      removed(parent, name, victim, a.id(), null, null, false);
      return a;
    } catch (FsException | RuntimeException e) {
      failed(e, parent, name);
      throw e;
    }
  }

  @Override
  public UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan)
      throws FsException {
    Optional<InodeId> victim = cachedTarget(parent, name);
    long[] stamp = cache.stamp();
    try {
      UnlinkResult r = store.unlink(parent, name, directory, now, purgeIfOrphan);
      removed(parent, name, victim, r.unlinked().id(), r.parent(), stamp, r.purged());
      return r;
    } catch (FsException | RuntimeException e) {
      failed(e, parent, name);
      throw e;
    }
  }

  @Override
  public RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags,
      Instant now) throws FsException {
    Optional<InodeId> replaced = cachedTarget(newParent, newName);
    try {
      RenameResult r = store.rename(parent, name, newParent, newName, flags, now);
      if (flags != RenameFlags.EXCHANGE) { // an exchange keeps both names
        dirNames.removed(parent, name);
        dirNames.added(newParent, newName);
      }
      entryChanged(parent, name);
      entryChanged(newParent, newName);
      cache.invalidate(r.moved().id());
      if (r.replaced() != null) {
        forget(r.replaced().id());
      }
      replaced.ifPresent(this::forget);
      return r;
    } catch (FsException | RuntimeException e) {
      failed(e, parent, name);
      entryChanged(newParent, newName);
      dirNames.forget(newParent);
      throw e;
    }
  }

  @Override
  public InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException {
    try {
      return store.setAttributes(inode, update);
    } finally {
      cache.invalidate(inode);
    }
  }

  /**
   * The inode is cached as the commit left it (the close that follows asks whether it was unlinked, the kernel for
   * its size), unless another change of it came in between.
   */
  @Override
  public CommitResult commitContent(ContentCommit commit) throws FsException {
    long[] stamp = cache.stamp();
    CommitResult r;
    try {
      r = store.commitContent(commit);
    } catch (FsException | RuntimeException e) {
      cache.invalidate(commit.inode());
      throw e;
    }
    committed(commit.inode(), r, stamp);
    return r;
  }

  /** After a content commit of {@code inode}: caches the attributes it left, or forgets them (a failed commit). */
  private void committed(InodeId inode, CommitResult r, long[] stamp) {
    if (enabled && r != null && r.attributes() != null) {
      cache.replace(inode, r.attributes(), stamp);
    } else {
      cache.invalidate(inode);
    }
  }

  @Override
  public boolean singleWriter() {
    return store.singleWriter();
  }

  /** As {@link #commitContent}, for each of the commits. */
  @Override
  public List<CommitOutcome> commitContents(List<ContentCommit> commits) {
    long[] stamp = cache.stamp();
    List<CommitOutcome> out;
    try {
      out = store.commitContents(commits);
    } catch (RuntimeException e) {
      commits.forEach(c -> cache.invalidate(c.inode()));
      throw e;
    }
    for (int i = 0; i < out.size(); i++) {
      committed(commits.get(i).inode(), out.get(i).result(), stamp);
    }
    return out;
  }

  @Override
  public CommitResult purge(InodeId inode) throws FsException {
    long[] stamp = cache.stamp();
    CommitResult r;
    try {
      r = store.purge(inode);
    } catch (FsException | RuntimeException e) {
      forget(inode);
      throw e;
    }
    gone(inode, stamp);
    return r;
  }

  @Override
  public void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException {
    try {
      store.setXattr(inode, name, value, mode, now);
    } finally {
      forget(inode);
    }
  }

  @Override
  public void removeXattr(InodeId inode, String name, Instant now) throws FsException {
    try {
      store.removeXattr(inode, name, now);
    } finally {
      forget(inode);
    }
  }

  // ---- no cached state: straight through ----

  @Override
  public List<Long> commitMarks(String owner) throws FsException {
    return store.commitMarks(owner);
  }

  @Override
  public void clearCommitMarks(String owner, long upToSeq) throws FsException {
    store.clearCommitMarks(owner, upToSeq);
  }

  @Override
  public void noteUnreferenced(Collection<BlobRef> blobs, Instant now) throws FsException {
    store.noteUnreferenced(blobs, now);
  }

  @Override
  public String filesystemId() throws FsException {
    return store.filesystemId();
  }

  @Override
  public List<InodeId> orphans() throws FsException {
    return store.orphans();
  }

  @Override
  public List<BlobRef> takeReleasableBlobs(Instant unreferencedBefore, int limit) throws FsException {
    return store.takeReleasableBlobs(unreferencedBefore, limit);
  }

  @Override
  public List<BlobRef> takeUnreferenced(Collection<BlobRef> blobs) throws FsException {
    return store.takeUnreferenced(blobs);
  }

  @Override
  public List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException {
    return store.liveBlobs(afterRef, limit);
  }

  @Override
  public JournalEntry journalAppend(JournalEntry entry) throws FsException {
    return store.journalAppend(entry);
  }

  @Override
  public List<JournalEntry> journal(String owner) throws FsException {
    return store.journal(owner);
  }

  @Override
  public void journalRemove(long id) throws FsException {
    store.journalRemove(id);
  }

  @Override
  public StoreStats stats() throws FsException {
    return store.stats();
  }

  @Override
  public void sync() throws FsException {
    store.sync();
  }

  @Override
  public void close() throws FsException {
    cache.clear();
    store.close();
  }

  // ---- helpers ----

  private Optional<InodeId> cachedTarget(InodeId parent, Name name) {
    if (cache.get(new EntryKey(parent, name)) instanceof Optional<?> e && e.isPresent()) {
      return Optional.of((InodeId) e.get());
    }
    return Optional.empty();
  }

  /** An entry was added, removed or repointed: it and its directory's attributes (size, times, links). */
  private void entryChanged(InodeId parent, Name name) {
    cache.invalidate(new EntryKey(parent, name));
    cache.invalidate(parent);
  }

  /**
   * An entry went. When the store reported the directory's attributes after the change, the cache keeps them and
   * the name as absent (exact: replaced unless another change of this host came in between since {@code stamp});
   * else it forgets both.
   */
  private void removed(InodeId parent, Name name, Optional<InodeId> cachedVictim, InodeId victim,
      InodeAttributes parentAfter, long[] stamp, boolean purged) {
    dirNames.removed(parent, name);
    dirNames.forget(victim); // a removed directory
    if (enabled && parentAfter != null) {
      cache.replace(new EntryKey(parent, name), Optional.empty(), stamp);
      cache.replace(parent, parentAfter, stamp);
    } else {
      entryChanged(parent, name);
    }
    if (purged) {
      gone(victim, stamp);
    } else {
      forget(victim);
    }
    cachedVictim.filter(id -> !id.equals(victim)).ifPresent(this::forget);
  }

  /**
   * A namespace change failed. A POSIX answer (ENOENT, EEXIST, ...) means the store changed nothing; anything else
   * (EIO after retries, a lost COMMIT) may have applied it, to inodes this cache cannot name: forget everything.
   */
  private void failed(Exception e, InodeId parent, Name name) {
    entryChanged(parent, name);
    if (!(e instanceof FsException f) || f.error() == FsError.IO) {
      clear();
    } else if (f.error() == FsError.EXISTS) {
      dirNames.forget(parent); // a name this host took for absent: another host's, whose event has not come
    }
  }

  /** A directory's entries changed: its attributes as the store reported them, or forgotten when it did not. */
  private void directoryChanged(InodeId dir, InodeAttributes after, long[] stamp) {
    if (enabled && after != null) {
      cache.replace(dir, after, stamp);
    } else {
      cache.invalidate(dir);
    }
  }

  /**
   * {@code inode} was purged by this host: remembered as {@link #GONE} (see there), unless a change of this host
   * since {@code stamp} touched its stripe (then forgotten).
   */
  private void gone(InodeId inode, long[] stamp) {
    if (enabled) {
      cache.replace(inode, GONE, stamp);
    } else {
      cache.invalidate(inode);
    }
    cache.invalidate(new NoXattrs(inode));
  }

  private void forget(InodeId inode) {
    cache.invalidate(inode);
    cache.invalidate(new NoXattrs(inode));
  }
}
