package org.truckeefs.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.truckeefs.api.Caller;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.DirListing;
import org.truckeefs.api.DirListingPlus;
import org.truckeefs.api.FsChange;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.Ticker;
import org.truckeefs.spi.UnlinkResult;

/**
 * Namespace operations and their POSIX rules in one place: lookup and attributes (with this host's unsaved sizes
 * and times overlaid), permission checks ({@link Access}), sticky directories, setgid inheritance, the rules of
 * link, unlink, mkdir, rmdir, mknod, symlink and rename, readdir cookies, and who may open what. The metadata store
 * below keeps only atomic primitives and its integrity checks (an entry exists or not, a directory is empty, a
 * rename does not move a directory into itself).
 *
 * <p>After a change it tells the rest: the {@link NamespaceEvents} listener (the Tahoe mirror), the change feed
 * (other hosts, FUSE invalidation) and, for an inode whose last name went, the {@link Removal} that purges it once
 * no handle has it open.
 *
 * <p>Locking: none of its own. The search-permission cache loads under its per-key compute (a metadata read).
 */
final class Namespace {
  /** How long a cached directory permission answers lookup's search check: the kernel's default attr_timeout. */
  static final Duration SEARCH_CACHE_TTL = Duration.ofSeconds(1);
  private static final int SEARCH_CACHE_SIZE = 10_000;
  static final int SYMLINK_MAX = 4095;

  /** What happens to an inode whose last name went. */
  interface Removal {
    /** A removed directory: nothing can have it open for data, it goes now. */
    void purgeDirectory(InodeId id) throws FsException;

    /** A file with no name left: purged now unless a handle (on any host) still has it open. */
    void purgeIfClosed(InodeId id) throws FsException;

    /**
     * Claims a file for a purge in the same transaction as the unlink of its name, when no host has it open; opens
     * of it wait for {@link #endClaim}. Null when it cannot be claimed.
     */
    default CountDownLatch claimForPurge(InodeId id) {
      return null;
    }

    default void endClaim(InodeId id, CountDownLatch claim) {}

    /** Blobs that a purge in an unlink's own transaction left unreferenced. */
    default void unreferenced(List<BlobRef> blobs) {}
  }

  /** Where change events go (the {@link ChangeFeed}). */
  interface Changes {
    void publish(FsChange... changes);
  }

  /** What {@link #createOrFind} found: a new file, or the existing inode the name already has. */
  record Created(InodeAttributes created, InodeId existing) {}

  private final CachedMetadataStore meta;
  private final OpenFiles files;
  private final Changes changes;
  private final Removal removal;
  private final Clock clock;
  private volatile NamespaceEvents events = NamespaceEvents.NONE;
  /**
   * Directory attributes for permission checks only (never returned, never used for open or getattr): the search
   * check of a lookup (a path walk would otherwise read each parent again for every component) and the write check
   * of a namespace change (whose store transaction checks the directory's existence again). Only the owner, group,
   * mode and type are used, which adding or removing entries does not change. Entries live as long as the kernel's
   * attribute timeout and go on every change this host makes to the directory's mode, owner or existence; a change
   * on another host shows within that second, as it does through the kernel's own attribute cache.
   */
  private final Cache<InodeId, InodeAttributes> searchDirs;

  Namespace(CachedMetadataStore meta, OpenFiles files, Changes changes, Removal removal, Clock clock, Ticker ticker) {
    this.meta = meta;
    this.files = files;
    this.changes = changes;
    this.removal = removal;
    this.clock = clock;
    this.searchDirs = Caffeine.newBuilder().maximumSize(SEARCH_CACHE_SIZE)
        .expireAfterWrite(SEARCH_CACHE_TTL).ticker(ticker::read).build();
  }

  void setEvents(NamespaceEvents listener) {
    this.events = listener == null ? NamespaceEvents.NONE : listener;
  }

  NamespaceEvents events() {
    return events;
  }

  /**
   * The namespace half of create(2): the existing inode the name has (EEXIST with {@code O_EXCL}), or a new file.
   * The store's create checks the parent and the name in its own transaction, so a caller that may write the
   * directory goes straight to it (one store call); only an entry this host knows exists, or a lost race with
   * another creator, costs a lookup. Lost races are retried a few times, then the existing file is returned.
   */
  Created createOrFind(Caller caller, InodeId parent, Name name, int mode, OpenFlags flags) throws FsException {
    if (name.isDotOrDotDot()) {
      throw new FsException(FsError.IS_DIRECTORY, "'" + name + "' is a directory");
    }
    InodeAttributes p = searchableDir(parent);
    Access.check(caller, p, Access.X, "search " + parent);
    if (!Access.permits(caller, p, Access.W | Access.X)) {
      // POSIX answers EEXIST (or opens the file) before it asks for write permission
      Optional<DirEntry> existing = meta.lookup(parent, name);
      if (existing.isEmpty()) {
        Access.check(caller, p, Access.W | Access.X, "create in " + parent);
      }
      if (flags.exclusive()) {
        throw FsException.exists("'" + name + "' exists");
      }
      return new Created(null, existing.get().inode());
    }
    Optional<InodeId> known = flags.exclusive() ? null : meta.cachedEntry(parent, name);
    if (known != null && known.isPresent()) {
      return new Created(null, known.get());
    }
    NewInode spec = fileSpec(caller, p, InodeType.FILE, mode, 0, null);
    for (int attempt = 0; ; attempt++) {
      try {
        return new Created(created(parent, name, meta.create(parent, name, spec)), null);
      } catch (FsException e) {
        if (e.error() != FsError.EXISTS || flags.exclusive()) {
          throw e;
        }
      }
      Optional<DirEntry> existing = meta.lookup(parent, name); // taken by another creator: open theirs
      if (existing.isPresent()) {
        return new Created(null, existing.get().inode());
      }
      if (attempt >= 3) {
        throw FsException.exists("'" + name + "' keeps being created and removed");
      }
    }
  }

  /**
   * Who may open what: a directory only for reading, a symlink never (O_NOFOLLOW reached it), special files have
   * no data here; a file needs read and/or write permission as the flags ask.
   *
   * @return whether {@code a} is a regular file (a directory open needs no open file)
   */
  static boolean checkOpen(Caller caller, InodeAttributes a, OpenFlags flags) throws FsException {
    InodeId inode = a.id();
    switch (a.type()) {
      case DIRECTORY -> {
        if (flags.canWrite() || flags.truncate()) {
          throw new FsException(FsError.IS_DIRECTORY, inode + " is a directory");
        }
        Access.check(caller, a, Access.R, "open " + inode);
        return false;
      }
      case SYMLINK -> throw new FsException(FsError.LOOP, inode + " is a symbolic link (O_NOFOLLOW)");
      case FILE -> { }
      default -> throw new FsException(FsError.NOT_SUPPORTED, inode + " is a special file; it has no data here");
    }
    int mask = (flags.canRead() ? Access.R : 0) | (flags.canWrite() ? Access.W : 0) | (flags.truncate() ? Access.W : 0);
    Access.check(caller, a, mask, "open " + inode);
    return true;
  }

  /** opendir(3): the directory's attributes, if {@code caller} may list it. */
  InodeAttributes checkOpendir(Caller caller, InodeId inode) throws FsException {
    // from memory: the kernel sends OPENDIR for every listing and checked the same attributes just before
    InodeAttributes a = meta.cachedAttributes(inode);
    if (!a.isDirectory()) {
      throw new FsException(FsError.NOT_DIRECTORY, inode + " is not a directory");
    }
    Access.check(caller, a, Access.R, "list " + inode);
    return a;
  }

  InodeAttributes lookup(Caller caller, InodeId parent, Name name) throws FsException {
    if (name.isDotOrDotDot()) {
      InodeAttributes p = dirAttrs(parent);
      Access.check(caller, p, Access.X, "search " + parent);
      return name.isDot() ? p : getattr(meta.parentOf(parent));
    }
    Access.check(caller, searchableDir(parent), Access.X, "search " + parent);
    // One store call for the entry and its attributes. The inode is known only after the read, so the rule of
    // getattr (take the open file first) cannot apply: if an open file left the map meanwhile, its commit may have
    // landed after our read, and getattr answers instead.
    long drops = files.drops();
    InodeAttributes a = meta.cachedLookupAttributes(parent, name)
        .orElseThrow(() -> FsException.notFound("no entry '" + name + "' in " + parent));
    OpenFile f = files.get(a.id());
    if (f != null) {
      return f.overlay(a);
    }
    return files.drops() == drops ? a : getattr(a.id());
  }

  /**
   * The attributes to show for a listed entry whose store row {@code listed} was read after {@code dropsBefore}:
   * the open file's overlay, or, when the file left the open-file table since (its last upload may have committed
   * after the read, and the row then shows the size before it), a fresh getattr. The drop count is read after
   * looking the file up, per entry: a file dropped between a single check and its lookup was once listed with its
   * old size (0 for a file just written), which the kernel then believed for the attribute timeout.
   *
   * @return null when the inode is gone
   */
  InodeAttributes current(InodeAttributes listed, long dropsBefore) throws FsException {
    OpenFile f = files.get(listed.id());
    if (f != null) {
      return f.overlay(listed);
    }
    if (files.drops() == dropsBefore) {
      return listed;
    }
    try {
      return getattr(listed.id());
    } catch (FsException gone) {
      if (gone.error() == FsError.NOT_FOUND) {
        return null;
      }
      throw gone;
    }
  }

  InodeAttributes getattr(InodeId inode) throws FsException {
    // the open file first: if its last upload commits and it leaves the map meanwhile, the store read below is
    // already the newer one (read the other way round, a stale store row could be returned without the overlay)
    OpenFile f = files.get(inode);
    InodeAttributes a = meta.cachedAttributes(inode);
    return f == null ? a : f.overlay(a);
  }

  /**
   * {@link #getattr} as the store has it now: close-to-open must see what another host committed just now (on the
   * only host, the exact cache: {@link CachedMetadataStore#latestAttributes}).
   */
  InodeAttributes getattrFresh(InodeId inode) throws FsException {
    OpenFile f = files.get(inode);
    InodeAttributes a = meta.latestAttributes(inode);
    return f == null ? a : f.overlay(a);
  }

  InodeAttributes mkdir(Caller caller, InodeId parent, Name name, int mode) throws FsException {
    if (name.isDotOrDotDot()) {
      throw FsException.exists("'" + name + "' exists");
    }
    InodeAttributes p = writableDir(caller, parent);
    int m = mode & (0777 | Access.S_ISVTX);
    int gid = caller.gid();
    if ((p.mode() & Access.S_ISGID) != 0) {
      gid = p.gid();
      m |= Access.S_ISGID;
    }
    return created(parent, name, meta.create(parent, name,
        new NewInode(InodeType.DIRECTORY, m, caller.uid(), gid, 0, clock.instant(), null)));
  }

  void rmdir(Caller caller, InodeId parent, Name name) throws FsException {
    if (name.isDot()) {
      throw new FsException(FsError.INVALID, "cannot remove '.'");
    }
    if (name.isDotDot()) {
      throw new FsException(FsError.NOT_EMPTY, "cannot remove '..'");
    }
    InodeAttributes p = writableDir(caller, parent);
    InodeAttributes victim = entry(parent, name);
    if (!victim.isDirectory()) {
      throw new FsException(FsError.NOT_DIRECTORY, "'" + name + "' is not a directory");
    }
    Access.checkSticky(caller, p, victim, "'" + name + "'");
    UnlinkResult r;
    try {
      // a directory has no data to be open for: it goes in the same transaction
      r = meta.unlink(parent, name, true, clock.instant(), victim.id());
    } finally {
      changed(victim.id());
    }
    removedEntry(parent, name, r);
    if (!r.purged()) {
      removal.purgeDirectory(r.unlinked().id());
    }
  }

  InodeAttributes mknod(Caller caller, InodeId parent, Name name, int mode, long rdev) throws FsException {
    InodeType type = (mode & InodeType.S_IFMT) == 0 ? InodeType.FILE : InodeType.fromMode(mode);
    if (type == InodeType.DIRECTORY || type == InodeType.SYMLINK) {
      throw new FsException(FsError.INVALID, "mknod makes files, FIFOs, sockets and devices; use mkdir/symlink");
    }
    boolean device = type == InodeType.CHAR_DEVICE || type == InodeType.BLOCK_DEVICE;
    if (device && !caller.isRoot()) {
      throw new FsException(FsError.NOT_PERMITTED, "only root may create device nodes");
    }
    if (name.isDotOrDotDot()) {
      throw FsException.exists("'" + name + "' exists");
    }
    InodeAttributes p = writableDir(caller, parent);
    NewInode spec = fileSpec(caller, p, type, mode, device ? rdev : 0, null);
    return created(parent, name, meta.create(parent, name, spec));
  }

  InodeAttributes symlink(Caller caller, InodeId parent, Name name, String target) throws FsException {
    if (target == null || target.isEmpty()) {
      throw FsException.notFound("empty symlink target");
    }
    if (target.getBytes(StandardCharsets.UTF_8).length > SYMLINK_MAX || target.indexOf('\0') >= 0) {
      throw new FsException(target.indexOf('\0') >= 0 ? FsError.INVALID : FsError.NAME_TOO_LONG,
          "symlink target must be 1-" + SYMLINK_MAX + " bytes without NUL");
    }
    if (name.isDotOrDotDot()) {
      throw FsException.exists("'" + name + "' exists");
    }
    InodeAttributes p = writableDir(caller, parent);
    int gid = (p.mode() & Access.S_ISGID) != 0 ? p.gid() : caller.gid();
    return created(parent, name, meta.create(parent, name,
        new NewInode(InodeType.SYMLINK, 0777, caller.uid(), gid, 0, clock.instant(), target)));
  }

  String readlink(Caller caller, InodeId inode) throws FsException {
    return meta.readSymlink(inode);
  }

  InodeAttributes link(Caller caller, InodeId inode, InodeId newParent, Name newName) throws FsException {
    InodeAttributes a = getattr(inode);
    if (a.isDirectory()) {
      throw new FsException(FsError.NOT_PERMITTED, "cannot hard-link a directory");
    }
    if (newName.isDotOrDotDot()) {
      throw FsException.exists("'" + newName + "' exists");
    }
    writableDir(caller, newParent);
    OpenFile f = files.get(inode); // before the store write, as in getattr
    InodeAttributes after = meta.link(inode, newParent, newName, clock.instant());
    events.linked(newParent, newName, after);
    changes.publish(entryChange(newParent, newName), attrs(newParent), attrs(inode));
    return f == null ? after : f.overlay(after);
  }

  /**
   * unlink(2). The victim is known from the cache when it can be (this host's lookup just read it), and the store
   * checks the entry again in its transaction. When no host has the file open, the same transaction purges it: one
   * store write per unlink.
   */
  void unlink(Caller caller, InodeId parent, Name name) throws FsException {
    if (name.isDotOrDotDot()) {
      throw new FsException(FsError.IS_DIRECTORY, "cannot unlink '" + name + "'");
    }
    InodeAttributes p = writableDir(caller, parent);
    InodeAttributes victim = meta.cachedLookupAttributes(parent, name)
        .orElseThrow(() -> FsException.notFound("no entry '" + name + "' in " + parent));
    if (victim.isDirectory()) {
      throw new FsException(FsError.IS_DIRECTORY, "'" + name + "' is a directory; use rmdir");
    }
    if ((p.mode() & Access.S_ISVTX) != 0) { // only a sticky directory asks who owns the victim
      Access.checkSticky(caller, p, victim, "'" + name + "'");
    }
    // A file with other names, or one open on some host, is not claimed: the store then leaves an orphan or
    // nothing, and purgeIfClosed below decides as before.
    CountDownLatch claim = victim.nlink() == 1 ? removal.claimForPurge(victim.id()) : null;
    UnlinkResult r;
    try {
      r = meta.unlink(parent, name, false, clock.instant(), claim == null ? null : victim.id());
    } finally {
      if (claim != null) {
        removal.endClaim(victim.id(), claim);
      }
    }
    removedEntry(parent, name, r);
    if (r.purged()) {
      removal.unreferenced(r.unreferenced());
    } else if (r.unlinked().nlink() == 0) {
      removal.purgeIfClosed(r.unlinked().id());
    }
  }

  private void removedEntry(InodeId parent, Name name, UnlinkResult r) {
    InodeAttributes after = r.unlinked();
    events.removed(parent, name, after);
    changes.publish(entryChange(parent, name), attrs(parent), attrs(after.id()));
    if (r.purged()) {
      events.purged(after.id());
    }
  }

  void rename(Caller caller, InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags)
      throws FsException {
    if (name.isDotOrDotDot() || newName.isDotOrDotDot()) {
      throw new FsException(FsError.INVALID, "cannot rename '.' or '..'");
    }
    InodeAttributes p1 = writableDir(caller, parent);
    InodeAttributes p2 = parent.equals(newParent) ? p1 : writableDir(caller, newParent);
    InodeAttributes src = entry(parent, name);
    InodeAttributes dst = renameTarget(newParent, newName);
    if (flags == RenameFlags.EXCHANGE && dst == null) {
      throw FsException.notFound("no entry '" + newName + "' to exchange with");
    }
    if (flags == RenameFlags.NOREPLACE && dst != null) {
      throw FsException.exists("'" + newName + "' exists");
    }
    if (dst != null && dst.id().equals(src.id())) {
      return; // POSIX: renaming a name onto another name of the same file does nothing
    }
    Access.checkSticky(caller, p1, src, "'" + name + "'");
    if (dst != null) {
      Access.checkSticky(caller, p2, dst, "'" + newName + "'");
    }
    if (!parent.equals(newParent)) {
      // a moved directory's '..' changes: Linux needs write permission on the directory itself
      if (src.isDirectory()) {
        Access.check(caller, src, Access.W, "move directory '" + name + "'");
      }
      if (flags == RenameFlags.EXCHANGE && dst.isDirectory()) {
        Access.check(caller, dst, Access.W, "move directory '" + newName + "'");
      }
    }
    RenameResult r;
    try {
      r = meta.rename(parent, name, newParent, newName, flags, clock.instant());
    } finally {
      changed(parent);
      changed(newParent);
      changed(src.id());
      if (dst != null) {
        changed(dst.id());
      }
    }
    events.renamed(parent, name, newParent, newName, flags);
    List<FsChange> renamed = new ArrayList<>(List.of(entryChange(parent, name), entryChange(newParent, newName),
        attrs(parent), attrs(src.id())));
    if (!parent.equals(newParent)) {
      renamed.add(attrs(newParent));
    }
    if (dst != null) {
      renamed.add(attrs(dst.id()));
    }
    changes.publish(renamed.toArray(FsChange[]::new));
    if (r.replaced() != null && r.replaced().nlink() == 0) {
      if (r.replaced().isDirectory()) {
        removal.purgeDirectory(r.replaced().id());
      } else {
        removal.purgeIfClosed(r.replaced().id());
      }
    }
  }

  /** Cookies: 1 = {@code .}, 2 = {@code ..}, then the store's cookie + 2 (so any store numbering fits). */
  DirListing readdir(InodeId dir, long cookie, int max) throws FsException {
    if (max <= 0) {
      return new DirListing(List.of(), false);
    }
    List<DirEntry> out = new ArrayList<>();
    try {
      if (cookie < 1) {
        out.add(new DirEntry(dir, Name.DOT, dir, InodeType.DIRECTORY, 1));
      }
      if (cookie < 2 && out.size() < max) {
        out.add(new DirEntry(dir, Name.DOT_DOT, meta.parentOf(dir), InodeType.DIRECTORY, 2));
      }
      int want = max - out.size();
      if (want == 0) {
        return new DirListing(out, false);
      }
      List<DirEntry> page = meta.readDir(dir, Math.max(0, cookie - 2), want + 1);
      for (int i = 0; i < page.size() && i < want; i++) {
        DirEntry e = page.get(i);
        out.add(new DirEntry(e.parent(), e.name(), e.inode(), e.type(), e.cookie() + 2));
      }
      return new DirListing(out, page.size() <= want);
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return new DirListing(out, true); // the directory was removed while open: it is empty
      }
      throw e;
    }
  }

  /**
   * The inode {@code name} names in {@code dir}, or null. A concurrent rename onto the same name may replace and
   * purge the inode between the entry read and the attribute read: then the entry is read again.
   */
  private InodeAttributes renameTarget(InodeId dir, Name name) throws FsException {
    for (int attempt = 1; ; attempt++) {
      Optional<DirEntry> e = meta.lookup(dir, name);
      if (e.isEmpty()) {
        return null;
      }
      try {
        return getattr(e.get().inode());
      } catch (FsException gone) {
        if (gone.error() != FsError.NOT_FOUND || attempt == 3) {
          throw gone;
        }
      }
    }
  }

  /**
   * {@link #readdir} with attributes: the store's one-query page (not cached: see CachedMetadataStore), with the
   * attributes of files open on this host overlaid as getattr does.
   */
  DirListingPlus readdirplus(InodeId dir, long cookie, int max) throws FsException {
    if (max <= 0) {
      return new DirListingPlus(List.of(), false);
    }
    List<DirEntryPlus> out = new ArrayList<>();
    try {
      if (cookie < 1) {
        out.add(new DirEntryPlus(new DirEntry(dir, Name.DOT, dir, InodeType.DIRECTORY, 1), getattr(dir)));
      }
      if (cookie < 2 && out.size() < max) {
        InodeId parent = meta.parentOf(dir);
        out.add(new DirEntryPlus(new DirEntry(dir, Name.DOT_DOT, parent, InodeType.DIRECTORY, 2), getattr(parent)));
      }
      int want = max - out.size();
      if (want == 0) {
        return new DirListingPlus(out, false);
      }
      long drops = files.drops();
      List<DirEntryPlus> page = meta.cachedReadDirPlus(dir, Math.max(0, cookie - 2), want + 1);
      for (int i = 0; i < page.size() && i < want; i++) {
        DirEntry e = page.get(i).entry();
        InodeAttributes a = current(page.get(i).attributes(), drops);
        if (a != null) {
          out.add(new DirEntryPlus(new DirEntry(e.parent(), e.name(), e.inode(), e.type(), e.cookie() + 2), a));
        }
      }
      return new DirListingPlus(out, page.size() <= want);
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return new DirListingPlus(out, true); // the directory was removed while open: it is empty
      }
      throw e;
    }
  }

  void access(Caller caller, InodeId inode, int mask) throws FsException {
    InodeAttributes a = getattr(inode);
    if ((mask & ~7) != 0) {
      throw new FsException(FsError.INVALID, "bad access mask " + mask);
    }
    if (mask != 0) {
      Access.check(caller, a, mask, "access " + inode);
    }
  }

  private InodeAttributes dirAttrs(InodeId dir) throws FsException {
    InodeAttributes a = meta.getAttributes(dir);
    if (!a.isDirectory()) {
      throw new FsException(FsError.NOT_DIRECTORY, dir + " is not a directory");
    }
    return a;
  }

  /** {@link #dirAttrs} through {@link #searchDirs}: for permission checks only. */
  private InodeAttributes searchableDir(InodeId dir) throws FsException {
    try {
      // a load in flight blocks invalidate() of its key, so a change made meanwhile is never cached stale
      return searchDirs.get(dir, id -> {
        try {
          return dirAttrs(id);
        } catch (FsException e) {
          throw new UncheckedFs(e);
        }
      });
    } catch (UncheckedFs u) {
      throw u.fs();
    }
  }

  /** After this host changed {@code inode}'s mode, owner or existence (or may have: a failed store call). */
  void changed(InodeId inode) {
    searchDirs.invalidate(inode);
  }

  /**
   * A directory this caller may change, from {@link #searchDirs}: the store's change checks again that it exists
   * and is a directory, in its own transaction.
   */
  private InodeAttributes writableDir(Caller caller, InodeId dir) throws FsException {
    InodeAttributes p = searchableDir(dir);
    if (p.nlink() == 0) {
      throw FsException.notFound("directory " + dir + " was removed");
    }
    Access.check(caller, p, Access.W | Access.X, "change " + dir);
    return p;
  }

  private InodeAttributes entry(InodeId parent, Name name) throws FsException {
    DirEntry e = meta.lookup(parent, name)
        .orElseThrow(() -> FsException.notFound("no entry '" + name + "' in " + parent));
    return getattr(e.inode());
  }

  /** A new file-like inode: setgid directories hand down their group; a non-member loses the setgid bit. */
  private NewInode fileSpec(Caller caller, InodeAttributes parent, InodeType type, int mode, long rdev,
      String target) {
    int m = mode & InodeAttributes.PERMISSION_BITS;
    int gid = caller.gid();
    if ((parent.mode() & Access.S_ISGID) != 0) {
      gid = parent.gid();
      if (!caller.isRoot() && !caller.inGroup(gid)) {
        m &= ~Access.S_ISGID;
      }
    }
    return new NewInode(type, m, caller.uid(), gid, rdev, clock.instant(), target);
  }

  /** A new entry: the parent's owner and mode, all {@link #searchDirs} keeps, are unchanged. */
  private InodeAttributes created(InodeId parent, Name name, InodeAttributes a) {
    events.created(parent, name, a);
    changes.publish(new FsChange.Entry(parent, name, false), new FsChange.Attributes(parent, false));
    return a;
  }

  static FsChange attrs(InodeId inode) {
    return new FsChange.Attributes(inode, false);
  }

  private static FsChange entryChange(InodeId parent, Name name) {
    return new FsChange.Entry(parent, name, false);
  }
}
