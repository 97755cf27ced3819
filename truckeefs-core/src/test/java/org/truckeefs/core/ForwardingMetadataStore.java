package org.truckeefs.core;

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
 * A MetadataStore that forwards every call, the SPI's default methods too (a default left to itself would hide the
 * delegate's own implementation, e.g. its {@code sync}); tests override what they observe or break.
 */
class ForwardingMetadataStore implements MetadataStore {
  final MetadataStore d;

  ForwardingMetadataStore(MetadataStore d) {
    this.d = d;
  }

  @Override public InodeAttributes initRoot(NewInode spec) throws FsException { return d.initRoot(spec); }
  @Override public InodeAttributes getAttributes(InodeId inode) throws FsException { return d.getAttributes(inode); }
  @Override public Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException { return d.lookup(parent, name); }
  @Override public Optional<InodeAttributes> lookupAttributes(InodeId parent, Name name) throws FsException { return d.lookupAttributes(parent, name); }
  @Override public List<DirEntryPlus> readDirPlus(InodeId directory, long afterCookie, int limit) throws FsException { return d.readDirPlus(directory, afterCookie, limit); }
  @Override public InodeId parentOf(InodeId directory) throws FsException { return d.parentOf(directory); }
  @Override public List<DirEntry> readDir(InodeId directory, long afterCookie, int limit) throws FsException { return d.readDir(directory, afterCookie, limit); }
  @Override public InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException { return d.create(parent, name, spec); }
  @Override public CreateResult createEntry(InodeId parent, Name name, NewInode spec) throws FsException { return d.createEntry(parent, name, spec); }
  @Override public String readSymlink(InodeId inode) throws FsException { return d.readSymlink(inode); }
  @Override public InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException { return d.link(inode, parent, name, now); }
  @Override public InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException { return d.unlink(parent, name, directory, now); }
  @Override public RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags, Instant now) throws FsException { return d.rename(parent, name, newParent, newName, flags, now); }
  @Override public InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException { return d.setAttributes(inode, update); }
  @Override public List<ChunkRef> chunks(InodeId inode) throws FsException { return d.chunks(inode); }
  @Override public CommitResult commitContent(ContentCommit commit) throws FsException { return d.commitContent(commit); }
  @Override public List<CommitOutcome> commitContents(List<ContentCommit> commits) { return d.commitContents(commits); }
  @Override public boolean singleWriter() { return d.singleWriter(); }
  @Override public UnlinkResult unlink(InodeId parent, Name name, boolean directory, Instant now, InodeId purgeIfOrphan) throws FsException { return d.unlink(parent, name, directory, now, purgeIfOrphan); }
  @Override public CommitResult purge(InodeId inode) throws FsException { return d.purge(inode); }
  @Override public List<InodeId> orphans() throws FsException { return d.orphans(); }
  @Override public List<BlobRef> takeReleasableBlobs(Instant before, int limit) throws FsException { return d.takeReleasableBlobs(before, limit); }
  @Override public List<BlobRef> takeUnreferenced(java.util.Collection<BlobRef> blobs) throws FsException { return d.takeUnreferenced(blobs); }
  @Override public List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException { return d.liveBlobs(afterRef, limit); }
  @Override public Optional<byte[]> getXattr(InodeId inode, String name) throws FsException { return d.getXattr(inode, name); }
  @Override public void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException { d.setXattr(inode, name, value, mode, now); }
  @Override public List<String> listXattr(InodeId inode) throws FsException { return d.listXattr(inode); }
  @Override public void removeXattr(InodeId inode, String name, Instant now) throws FsException { d.removeXattr(inode, name, now); }
  @Override public JournalEntry journalAppend(JournalEntry entry) throws FsException { return d.journalAppend(entry); }
  @Override public List<JournalEntry> journal(String owner) throws FsException { return d.journal(owner); }
  @Override public void journalRemove(long id) throws FsException { d.journalRemove(id); }
  @Override public List<Long> commitMarks(String owner) throws FsException { return d.commitMarks(owner); }
  @Override public void clearCommitMarks(String owner, long upToSeq) throws FsException { d.clearCommitMarks(owner, upToSeq); }
  @Override public void noteUnreferenced(Collection<BlobRef> blobs, Instant now) throws FsException { d.noteUnreferenced(blobs, now); }
  @Override public String filesystemId() throws FsException { return d.filesystemId(); }
  @Override public void sync() throws FsException { d.sync(); }
  @Override public StoreStats stats() throws FsException { return d.stats(); }
  @Override public void close() throws FsException { d.close(); }
}
