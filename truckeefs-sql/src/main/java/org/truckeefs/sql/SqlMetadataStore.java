package org.truckeefs.sql;

import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.DirEntryPlus;
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
import org.truckeefs.spi.UnlinkResult;

/**
 * {@link MetadataStore} on SQL rows: one inode row per inode, one dentry row per name keyed by (parent, name bytes).
 * Every method is one transaction run by {@link Transactor}.
 *
 * <p>Lock order: every change to a directory's entries first locks that directory's inode row (SELECT ... FOR
 * UPDATE on MariaDB; SQLite has a single writer), then the entries' inodes. The directory row carries the entry
 * count, the link count and {@code next_cookie}, so holding it serializes the changes of one directory, makes
 * existence checks race-free and hands out cookies that grow in every directory. A rename of a directory across
 * directories locks the chain of ancestors it checks, so two renames cannot build a cycle between them.
 *
 * <p>This class only routes each operation to the part that implements it, so that no part has to be read whole:
 * {@link SqlReads} (attributes, lookups, listings), {@link SqlNamespaceWrites} (create, link, unlink, setattr),
 * {@link SqlRename}, {@link SqlContentCommits} (chunks, content commits, upload journal, commit marks, purge),
 * {@link SqlBlobRefs} (blob reference counts and the sweeps over them) and {@link SqlXattrs}. They share the inode
 * row's statements and mapping ({@link SqlRows}), the column encodings ({@link SqlValues}) and the changes sent with
 * the COMMIT ({@link SqlDeferredChanges}).
 */
final class SqlMetadataStore implements MetadataStore {
  private final Transactor tx;
  private final SqlReads reads;
  private final SqlNamespaceWrites namespace;
  private final SqlRename renames;
  private final SqlContentCommits content;
  private final SqlBlobRefs blobs;
  private final SqlXattrs xattrs;

  SqlMetadataStore(Transactor tx, Clock clock) {
    this.tx = tx;
    SqlRows rows = new SqlRows(tx);
    this.reads = new SqlReads(tx, rows);
    this.blobs = new SqlBlobRefs(tx, rows, clock);
    this.content = new SqlContentCommits(tx, rows, blobs);
    this.namespace = new SqlNamespaceWrites(tx, rows, content);
    this.renames = new SqlRename(tx, rows);
    this.xattrs = new SqlXattrs(tx, rows);
  }

  Transactor transactor() {
    return tx;
  }

  // ---- reading ----

  @Override
  public InodeAttributes initRoot(NewInode spec) throws FsException {
    return namespace.initRoot(spec);
  }

  @Override
  public InodeAttributes getAttributes(InodeId inode) throws FsException {
    return reads.getAttributes(inode);
  }

  @Override
  public Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException {
    return reads.lookup(parent, name);
  }

  @Override
  public Optional<InodeAttributes> lookupAttributes(InodeId parent, Name name) throws FsException {
    return reads.lookupAttributes(parent, name);
  }

  @Override
  public InodeId parentOf(InodeId dir) throws FsException {
    return reads.parentOf(dir);
  }

  @Override
  public List<DirEntry> readDir(InodeId dir, long afterCookie, int limit) throws FsException {
    return reads.readDir(dir, afterCookie, limit);
  }

  @Override
  public List<DirEntryPlus> readDirPlus(InodeId dir, long afterCookie, int limit) throws FsException {
    return reads.readDirPlus(dir, afterCookie, limit);
  }

  @Override
  public String readSymlink(InodeId inode) throws FsException {
    return reads.readSymlink(inode);
  }

  // ---- the namespace ----

  @Override
  public InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException {
    return namespace.create(parent, name, spec);
  }

  @Override
  public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException {
    return namespace.createEntry(parent, name, spec);
  }

  @Override
  public InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException {
    return namespace.link(inode, parent, name, now);
  }

  @Override
  public InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException {
    return namespace.unlink(parent, name, directory, now);
  }

  @Override
  public UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan)
      throws FsException {
    return namespace.unlink(parent, name, directory, now, purgeIfOrphan);
  }

  @Override
  public RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags,
      Instant now) throws FsException {
    return renames.rename(parent, name, newParent, newName, flags, now);
  }

  @Override
  public InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException {
    return namespace.setAttributes(inode, update);
  }

  // ---- content ----

  @Override
  public List<ChunkRef> chunks(InodeId inode) throws FsException {
    return content.chunks(inode);
  }

  @Override
  public CommitResult commitContent(ContentCommit commit) throws FsException {
    return content.commitContent(commit);
  }

  @Override
  public boolean singleWriter() {
    return tx.engine() == SqlEngine.SQLITE;
  }

  @Override
  public List<CommitOutcome> commitContents(List<ContentCommit> commits) {
    // MariaDB commits each in a transaction of its own, on its pooled connections: the SPI's default
    return singleWriter() ? content.commitContents(commits) : MetadataStore.super.commitContents(commits);
  }

  @Override
  public List<Long> commitMarks(String owner) throws FsException {
    return content.commitMarks(owner);
  }

  @Override
  public void clearCommitMarks(String owner, long upToSeq) throws FsException {
    content.clearCommitMarks(owner, upToSeq);
  }

  @Override
  public void noteUnreferenced(Collection<BlobRef> blobs, Instant now) throws FsException {
    this.blobs.noteUnreferenced(blobs, now);
  }

  @Override
  public CommitResult purge(InodeId inode) throws FsException {
    return content.purge(inode);
  }

  @Override
  public List<InodeId> orphans() throws FsException {
    return content.orphans();
  }

  @Override
  public List<BlobRef> takeReleasableBlobs(Instant unreferencedBefore, int limit) throws FsException {
    return blobs.takeReleasableBlobs(unreferencedBefore, limit);
  }

  @Override
  public List<BlobRef> takeUnreferenced(Collection<BlobRef> refs) throws FsException {
    return blobs.takeUnreferenced(refs);
  }

  @Override
  public List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException {
    return blobs.liveBlobs(afterRef, limit);
  }

  // ---- xattrs ----

  @Override
  public Optional<byte[]> getXattr(InodeId inode, String name) throws FsException {
    return xattrs.getXattr(inode, name);
  }

  @Override
  public void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException {
    xattrs.setXattr(inode, name, value, mode, now);
  }

  @Override
  public List<String> listXattr(InodeId inode) throws FsException {
    return xattrs.listXattr(inode);
  }

  @Override
  public void removeXattr(InodeId inode, String name, Instant now) throws FsException {
    xattrs.removeXattr(inode, name, now);
  }

  // ---- upload journal ----

  @Override
  public JournalEntry journalAppend(JournalEntry entry) throws FsException {
    return content.journalAppend(entry);
  }

  @Override
  public List<JournalEntry> journal(String owner) throws FsException {
    return content.journal(owner);
  }

  @Override
  public void journalRemove(long id) throws FsException {
    content.journalRemove(id);
  }

  @Override
  public StoreStats stats() throws FsException {
    return reads.stats();
  }

  /** Made up by the first caller; hosts starting together on an empty database agree (the insert is ignored). */
  @Override
  public String filesystemId() throws FsException {
    return tx.write("filesystemId", db -> {
      String id = db.select(Schema.F_ID).from(Schema.FILESYSTEM).where(Schema.F_KEY.eq(1)).fetchOne(Schema.F_ID);
      if (id != null) {
        return id;
      }
      db.insertInto(Schema.FILESYSTEM, Schema.F_KEY, Schema.F_ID).values(1, java.util.UUID.randomUUID().toString())
          .onDuplicateKeyIgnore().execute();
      return db.select(Schema.F_ID).from(Schema.FILESYSTEM).where(Schema.F_KEY.eq(1)).fetchOne(Schema.F_ID);
    });
  }

  /**
   * SQLite runs WAL with synchronous=NORMAL, so a commit survives a process crash but not necessarily a power loss.
   * One commit with synchronous=FULL syncs the WAL, which holds every earlier commit too: one fsync of an
   * append-only file, where a checkpoint would also copy pages into the database file and sync that. Concurrent
   * calls share a sync ({@link Transactor#syncWal}).
   */
  @Override
  public void sync() throws FsException {
    if (tx.engine() == SqlEngine.SQLITE) {
      tx.syncWal();
    }
  }

  @Override
  public void close() {
    tx.close();
  }
}
