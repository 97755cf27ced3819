package org.truckeefs.core;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.Coordinator;

/**
 * A file's life on this host from first open to purge: the shared {@link OpenFile} taken from and given back to the
 * open-file table, the coordinator's open marks (so a file unlinked while another host has it open lives until that
 * host's last close), and the purge of an inode whose last name went once nobody has it open (its unsaved data
 * discarded through the write-back pipeline). Orphans left by a crash (here or on another host) go with the
 * periodic sweep.
 *
 * <p>Locking: open marks are changed under one of 64 stripes per inode (a coordinator round trip, held on purpose:
 * a concurrent open and last close must leave the mark right; it holds up only those of inodes on the same
 * stripe). The table's own rules are {@link OpenFiles}'s.
 */
final class FileLifecycle {
  private static final Logger log = LoggerFactory.getLogger(FileLifecycle.class);
  /**
   * How long an open mark lives without renewal. Marks are renewed every third of it while the file stays open; a
   * crashed host's marks stop counting as soon as its session is dead.
   */
  static final Duration OPEN_MARK_TTL = Duration.ofHours(1);

  /** Builds a file's OpenFile from its attributes and chunk map. */
  interface Loader {
    OpenFile load(InodeAttributes attrs, boolean isNew) throws FsException;
  }

  private final CachedMetadataStore meta;
  private final Coordinator coordinator;
  private final OpenFiles files;
  private final PromptRelease releases;
  private final WriteBack writeBack;
  private final Loader loader;
  private final String hostId;
  private final Namespace namespace;
  /** Inodes this host has announced open in the coordinator (see {@link #syncOpenMark}). */
  private final Set<InodeId> openMarks = ConcurrentHashMap.newKeySet();
  /** Inodes whose last name this host removed while a local handle had them open: their last release purges. */
  private final Set<InodeId> unlinkedWhileOpen = ConcurrentHashMap.newKeySet();
  private final Object[] markStripes = new Object[64];

  FileLifecycle(CachedMetadataStore meta, Coordinator coordinator, OpenFiles files, WriteBack writeBack, Loader loader,
      String hostId, Namespace namespace) {
    this(meta, coordinator, files, writeBack, loader, hostId, namespace, PromptRelease.OFF);
  }

  /** @param releases told of the blobs each purge leaves unreferenced */
  FileLifecycle(CachedMetadataStore meta, Coordinator coordinator, OpenFiles files, WriteBack writeBack, Loader loader,
      String hostId, Namespace namespace, PromptRelease releases) {
    this.releases = releases;
    this.meta = meta;
    this.coordinator = coordinator;
    this.files = files;
    this.writeBack = writeBack;
    this.loader = loader;
    this.hostId = hostId;
    this.namespace = namespace;
    for (int i = 0; i < markStripes.length; i++) {
      markStripes[i] = new Object();
    }
  }

  private static String openKey(InodeId id, String session) {
    return openKeyPrefix(id) + session;
  }

  private static String openKeyPrefix(InodeId id) {
    return "open:" + id.value() + ":";
  }

  /** The shared OpenFile of {@code inode}, its handle count raised; the first local open marks it open. */
  OpenFile acquire(InodeId inode) throws FsException {
    return marked(inode, files.acquire(inode, fromStore()), false);
  }

  /** Take before a create whose file {@link #acquire(InodeId, InodeAttributes, long)} opens. */
  long claimStamp() {
    return files.claimStamp();
  }

  /**
   * The shared OpenFile of a file just created, built from what the create returned (a new file has no chunks to
   * read), unless an unlink's purge may have come in between: then from the store.
   *
   * @param claimStamp {@link #claimStamp} taken before the create
   */
  OpenFile acquire(InodeId inode, InodeAttributes created, long claimStamp) throws FsException {
    return marked(inode, files.acquire(inode, id -> loader.load(created, true), fromStore(), claimStamp), true);
  }

  /** Loads a file as the store has it now, outside the table's compute (see OpenFiles). */
  private OpenFiles.Loader fromStore() {
    return id -> loader.load(meta.latestAttributes(id), false);
  }

  /** @param created whether this host just created the file (then its mark goes out without a wait, see below) */
  private OpenFile marked(InodeId inode, OpenFile f, boolean created) throws FsException {
    if (!openMarks.contains(inode)) {
      try {
        syncOpenMark(inode, created);
      } catch (FsException | RuntimeException e) {
        release(f);
        throw e;
      }
    }
    return f;
  }

  /**
   * Gives back a handle's reference; the last local close clears the open mark and purges an unlinked file. Whether
   * it was unlinked comes from what this host knows: its own unlink (see {@link #purgeIfClosed}), else the metadata
   * cache, which is exact on one host and learns of another host's unlink from its change event. A close that
   * overtakes that event leaves the orphan to the periodic sweep (it has no name left, so nothing else sees it).
   */
  void release(OpenFile f) throws FsException {
    if (files.release(f) == 0) {
      try {
        syncOpenMark(f.id, false);
      } catch (FsException e) {
        log.warn("cannot clear the open mark of {} ({}); it expires on its own", f.id, e.getMessage());
      }
      if (unlinkedWhileOpen.remove(f.id) || unlinked(f.id)) {
        purgeIfClosed(f.id);
      }
    }
  }

  private boolean unlinked(InodeId id) throws FsException {
    try {
      return meta.cachedAttributes(id).nlink() == 0;
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Claims {@code id} for a purge in the same store transaction as the unlink of its (expected) last name: only
   * when this host holds nothing of it and no other host has it open. Opens of it on this host wait until
   * {@link #endClaim}.
   *
   * @return the claim to end, or null: then unlink without the purge and call {@link #purgeIfClosed} if its link
   *     count reached 0
   */
  CountDownLatch claimForPurge(InodeId id) {
    CountDownLatch claim = files.claimForPurge(id);
    if (claim != null && openElsewhere(id)) {
      files.endClaim(id, claim);
      return null;
    }
    return claim;
  }

  void endClaim(InodeId id, CountDownLatch claim) {
    files.endClaim(id, claim);
  }

  /**
   * Makes the coordinator's open mark of {@code id} match whether this host has it open: one round trip on the
   * first local open, one on the last local release, none in between. Striped per inode so a concurrent open and
   * last close leave the mark right.
   *
   * <p>The mark of a file this host just created goes out without waiting for the coordinator's answer (0.07 ms of
   * a FUSE create's 0.78 on MariaDB and Redis): other hosts can see the file from its commit on, before any mark, so
   * waiting closed no window; it only held up the create. The coordinator orders this host's later calls on the
   * key after it, and the renewal puts it again should it be lost.
   */
  private void syncOpenMark(InodeId id, boolean created) throws FsException {
    synchronized (markStripes[Math.floorMod(id.hashCode(), markStripes.length)]) {
      OpenFile f = files.get(id);
      boolean open = f != null && f.refs > 0;
      if (open == openMarks.contains(id)) {
        return;
      }
      if (open) {
        String key = openKey(id, coordinator.sessionId());
        if (created) {
          coordinator.putEphemeralNoWait(key, hostId, OPEN_MARK_TTL);
        } else {
          coordinator.putEphemeral(key, hostId, OPEN_MARK_TTL);
        }
        openMarks.add(id);
      } else {
        openMarks.remove(id);
        coordinator.removeEphemeral(openKey(id, coordinator.sessionId()));
      }
    }
  }

  /**
   * Whether another live host has {@code id} open (one coordinator call however many hosts there are); when the
   * coordinator cannot tell, it is assumed open.
   */
  private boolean openElsewhere(InodeId id) {
    try {
      return coordinator.heldByOtherSession(openKeyPrefix(id));
    } catch (FsException e) {
      log.warn("cannot ask the coordinator whether {} is open elsewhere ({}); its purge waits for the orphan sweep",
          id, e.getMessage());
      return true;
    }
  }

  /** The renewal daemon's pass: this host's open marks live on, and orphans nobody has open go. */
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

  /**
   * Purges the orphans (unlinked, link count 0) that no host has open: not this one, and no live session of
   * another. Runs at startup and with the open-mark renewal, so a crashed host's orphans go too.
   */
  void purgeOrphans() throws FsException {
    List<InodeId> orphans = meta.orphans();
    if (orphans.isEmpty()) {
      return;
    }
    for (InodeId id : orphans) {
      if (files.contains(id)) {
        unlinkedWhileOpen.add(id); // its last local release purges it
      } else if (!coordinator.heldByOtherSession(openKeyPrefix(id))) {
        purge(id);
      }
    }
  }

  /** An unlinked inode: purge it now unless a handle still has it open (then the last release purges it). */
  void purgeIfClosed(InodeId id) throws FsException {
    OpenFile local = files.get(id);
    if ((local == null || local.refs == 0) && openElsewhere(id)) {
      return; // the last closer on that host purges it
    }
    unlinkedWhileOpen.add(id); // before the check: a release in between then purges it (purge is idempotent)
    OpenFiles.Taken taken = files.takeForPurge(id);
    if (taken.busy()) {
      return; // the last local release purges it
    }
    unlinkedWhileOpen.remove(id);
    if (taken.file() != null) {
      writeBack.discard(taken.file());
    }
    purge(id);
  }

  /** Removes the inode from the store (a no-op when it was linked again meanwhile). */
  void purge(InodeId id) throws FsException {
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
      releases.unreferenced(r.unreferenced());
    }
  }
}
