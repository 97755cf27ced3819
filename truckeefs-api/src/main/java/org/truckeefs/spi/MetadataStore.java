package org.truckeefs.spi;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;

/**
 * The transactional store of inodes, directory entries, symlink targets, xattrs, chunk maps, blob reference
 * counts and the upload journal. Every method is atomic: it applies completely or not at all. The store does no
 * path resolution and no permission checks; it does enforce the invariants that need atomicity (a name exists
 * once per directory, link counts, an empty directory for rmdir, no directory moved into its own subtree).
 *
 * <p>Directories: {@code nlink} is 2 plus the number of subdirectories; {@code size} is the number of entries.
 * Transient failures (deadlocks, lost connections) are retried inside the store; a failure that escapes is EIO.
 */
public interface MetadataStore extends AutoCloseable {

  /** Creates the root directory ({@link InodeId#ROOT}) from {@code spec} if it does not exist; returns it. */
  InodeAttributes initRoot(NewInode spec) throws FsException;

  /** ENOENT if the inode does not exist (it never did, or it was purged). */
  InodeAttributes getAttributes(InodeId inode) throws FsException;

  /** The entry {@code name} in {@code parent}, or empty. ENOTDIR if parent is not a directory. */
  Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException;

  /**
   * The attributes of the inode named {@code name} in {@code parent}, or empty: {@link #lookup} and
   * {@link #getAttributes} in one call, which a remote store answers in one round trip. Same errors as lookup.
   * The default calls both (an entry removed in between reads as empty).
   */
  default Optional<InodeAttributes> lookupAttributes(InodeId parent, Name name) throws FsException {
    Optional<DirEntry> e = lookup(parent, name);
    if (e.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(getAttributes(e.get().inode()));
    } catch (FsException gone) {
      if (gone.error() == FsError.NOT_FOUND) {
        return Optional.empty();
      }
      throw gone;
    }
  }

  /** The parent of a directory (the root's parent is the root). ENOTDIR for non-directories. */
  InodeId parentOf(InodeId directory) throws FsException;

  /** Up to {@code limit} entries with a cookie greater than {@code afterCookie}, in cookie order; no {@code .}/{@code ..}. */
  List<DirEntry> readDir(InodeId directory, long afterCookie, int limit) throws FsException;

  /**
   * {@link #readDir} with each entry's attributes, which a remote store answers in one round trip. An entry whose
   * inode is gone by the time its attributes are read is left out. The default reads the attributes one by one.
   */
  default List<DirEntryPlus> readDirPlus(InodeId directory, long afterCookie, int limit) throws FsException {
    List<DirEntryPlus> out = new ArrayList<>();
    for (DirEntry e : readDir(directory, afterCookie, limit)) {
      try {
        out.add(new DirEntryPlus(e, getAttributes(e.inode())));
      } catch (FsException gone) {
        if (gone.error() != FsError.NOT_FOUND) {
          throw gone;
        }
      }
    }
    return out;
  }

  /**
   * A new inode named {@code name} in {@code parent}. Updates the parent's mtime/ctime to {@code spec.time()} and,
   * for a directory, the parent's link count. EEXIST if the name exists; ENOENT/ENOTDIR if the parent is gone or
   * not a directory. The new inode's id was never used before, also not by an inode since purged: the kernel and
   * core's caches know inodes by id (a purged id is remembered as gone).
   */
  InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException;

  /**
   * {@link #create}, reporting also the directory's attributes as the same transaction left them
   * ({@link CreateResult#parent}): core caches them, since the kernel asks for the directory's attributes after
   * every create (with {@code default_permissions} its next permission check needs them), and a store read
   * would cost as much as the create's own round trips. They must be exact: what {@link #getAttributes} of the
   * directory answers right after the commit. A store that cannot tell them exactly reports null, as the default
   * does; core then reads them again when asked.
   */
  default CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
    return new CreateResult(create(parent, name, spec), null);
  }

  /** The target of a symlink; EINVAL for other types. */
  String readSymlink(InodeId inode) throws FsException;

  /** A new name for an existing non-directory (EPERM for directories); link count + 1, ctime = now. */
  InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException;

  /**
   * Removes the entry {@code name} from {@code parent} and decreases the inode's link count. With
   * {@code directory} true the entry must be an empty directory (ENOTDIR, ENOTEMPTY), else it must not be a
   * directory (EISDIR). Returns the unlinked inode after the change; at link count 0 it remains as an orphan
   * until {@link #purge}.
   */
  InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException;

  /**
   * {@link #unlink(InodeId, Name, boolean, Instant)}, and when the entry named {@code purgeIfOrphan} and its link
   * count reached 0, {@link #purge} in the same transaction: the caller checked that nobody has that inode open. An
   * entry that names another inode (the caller's view was stale) is unlinked without a purge. Errors are those of
   * unlink. The result may report the directory's attributes after the change ({@link UnlinkResult#parent}), with
   * the exactness {@link #createEntry} asks for. The default runs the two steps one after the other and reports
   * no directory attributes, so a store without its own keeps working.
   *
   * @param purgeIfOrphan the inode the caller expects the entry to name, or null for no purge
   */
  default UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan)
      throws FsException {
    InodeAttributes a = unlink(parent, name, directory, now);
    if (purgeIfOrphan == null || a.nlink() != 0 || !a.id().equals(purgeIfOrphan)) {
      return new UnlinkResult(a, false, List.of());
    }
    try {
      return new UnlinkResult(a, true, purge(a.id()).unreferenced());
    } catch (FsException e) {
      if (e.error() == FsError.BUSY) {
        return new UnlinkResult(a, false, List.of()); // linked again in between
      }
      throw e;
    }
  }

  /**
   * Atomically renames. ENOENT if the source is missing; EEXIST for NOREPLACE onto an existing name; ENOENT for
   * EXCHANGE onto a missing name; ENOTDIR/EISDIR for directory/non-directory mismatches; ENOTEMPTY onto a
   * non-empty directory; EINVAL when a directory would move into its own subtree. Renaming a name onto a name of
   * the same inode changes nothing. Parents' mtime/ctime and the moved inode's ctime become {@code now}.
   */
  RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags, Instant now)
      throws FsException;

  /** Writes the given attributes; does not change the content version. */
  InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException;

  /** A file's chunk map in index order. */
  List<ChunkRef> chunks(InodeId inode) throws FsException;

  /**
   * Compare-and-set of a file's content: if the inode's version is {@code commit.expectedVersion()}, applies the
   * chunk changes, size and mtime, increments the version, adjusts blob reference counts and removes the journal
   * entry, all in one transaction. Otherwise fails with {@link FsError#STALE} and changes nothing; a missing inode
   * is {@link FsError#NOT_FOUND}, a directory {@link FsError#IS_DIRECTORY}.
   */
  CommitResult commitContent(ContentCommit commit) throws FsException;

  /**
   * Whether every write of this store goes through one writer (SQLite's single writer connection): then concurrent
   * uploads hand their commits to {@link #commitContents} together instead of each waiting for the writer's turn. A
   * store that commits concurrently (MariaDB, several connections) answers false, and each upload commits on its own,
   * in parallel, as before.
   */
  default boolean singleWriter() {
    return false;
  }

  /**
   * Several independent commits (of different files), each applied exactly as {@link #commitContent} applies it and
   * atomic on its own: one that fails changes nothing and leaves the others standing. The answers are in the order of
   * {@code commits}. A store with a single writer may run them in one turn of it; this default runs them one by one.
   */
  default List<CommitOutcome> commitContents(List<ContentCommit> commits) {
    List<CommitOutcome> out = new ArrayList<>(commits.size());
    for (ContentCommit c : commits) {
      try {
        out.add(CommitOutcome.of(commitContent(c)));
      } catch (FsException e) {
        out.add(CommitOutcome.failed(e));
      }
    }
    return out;
  }

  /**
   * The commit marks of {@code owner} recorded by {@link #commitContent} and not yet cleared, in increasing order.
   */
  default List<Long> commitMarks(String owner) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this metadata store keeps no commit marks");
  }

  /** Forgets the commit marks of {@code owner} up to and including {@code upToSeq}. */
  default void clearCommitMarks(String owner, long upToSeq) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this metadata store keeps no commit marks");
  }

  /**
   * Blobs that were stored but are committed nowhere (an upload overtaken by a newer write, or one that lost a
   * conflict): each that no chunk references is listed as unreferenced since {@code now}, so that
   * {@link #takeReleasableBlobs} releases it after the grace period. Blobs that chunks reference are left alone.
   */
  default void noteUnreferenced(Collection<BlobRef> blobs, Instant now) throws FsException {}

  /**
   * This filesystem's id: made up (random) by the first call on an empty store, then the same for every host and
   * every start. Coordination state is namespaced by it, so two filesystems never share locks or events.
   */
  default String filesystemId() throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this metadata store keeps no filesystem id");
  }

  /**
   * Deletes an orphan (link count 0) with its chunks and xattrs, dropping its blob references. EBUSY if it still
   * has links; a missing inode is not an error (purge is idempotent).
   */
  CommitResult purge(InodeId inode) throws FsException;

  /** Inodes with link count 0 (unlinked while open, or left by a crash). */
  List<InodeId> orphans() throws FsException;

  /**
   * Atomically removes and returns up to {@code limit} blobs whose reference count has been 0 since before
   * {@code unreferencedBefore}. The grace period protects uploads in flight that produced the same blob.
   */
  List<BlobRef> takeReleasableBlobs(Instant unreferencedBefore, int limit) throws FsException;

  /**
   * Atomically removes and returns those of {@code blobs} whose reference count is 0 now, whatever their time: for a
   * sole host that knows no upload of its own can still produce them (see {@code PromptRelease} in core). A blob
   * some chunk references, or one the store does not list, is left alone. The default takes nothing: the blobs then
   * wait for {@link #takeReleasableBlobs}.
   */
  default List<BlobRef> takeUnreferenced(Collection<BlobRef> blobs) throws FsException {
    return List.of();
  }

  /** Every blob with a positive reference count, {@code limit} at a time after {@code afterRef} (null = start), in value order. */
  List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException;

  Optional<byte[]> getXattr(InodeId inode, String name) throws FsException;

  /** EEXIST for CREATE of an existing attribute, ENODATA for REPLACE of a missing one. Sets ctime to {@code now}. */
  void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException;

  List<String> listXattr(InodeId inode) throws FsException;

  /** ENODATA if missing. Sets ctime to {@code now}. */
  void removeXattr(InodeId inode, String name, Instant now) throws FsException;

  /** Records a pending upload; returns it with its id. */
  JournalEntry journalAppend(JournalEntry entry) throws FsException;

  /** The pending uploads recorded by {@code owner}, oldest first. */
  List<JournalEntry> journal(String owner) throws FsException;

  /** Removes a journal entry (idempotent). */
  void journalRemove(long id) throws FsException;

  StoreStats stats() throws FsException;

  /**
   * Makes every commit made so far durable against power loss; {@code fsync(2)} calls it after committing a file.
   * Stores whose commits are durable when they return (MariaDB with its default flush, memory) do nothing.
   */
  default void sync() throws FsException {}

  @Override
  void close() throws FsException;
}
