package org.truckeefs.core;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.truckeefs.api.DirEntry;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.api.RenameFlags;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.CommitResult;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import org.truckeefs.spi.RenameResult;
import org.truckeefs.spi.StoreStats;

/**
 * The metadata store as RiverFS sees it, with a gate for consistent dumps: every change of the namespace, the
 * attributes, xattrs or chunk maps passes the gate shared, and {@link #exclusively} closes it while a dump reads the
 * store. Each store call is atomic, so a dump taken behind the closed gate is a state the store really had.
 *
 * <p>The gate is per RiverFS: other hosts writing to the same shared store are not held off, so across hosts a dump
 * is consistent only per host. The upload journal and blob garbage collection are not part of a dump and pass freely.
 */
final class MetadataDumpGate implements MetadataStore {
  /** Work done while the gate is closed, on the store itself. */
  @FunctionalInterface
  interface Exclusive<T> {
    T run(MetadataStore store) throws FsException;
  }

  @FunctionalInterface
  private interface Change<T> {
    T run() throws FsException;
  }

  private final MetadataStore store;
  /** Fair, so a waiting dump is not starved by a steady stream of changes. */
  private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);

  MetadataDumpGate(MetadataStore store) {
    this.store = store;
  }

  <T> T exclusively(Exclusive<T> work) throws FsException {
    gate.writeLock().lock();
    try {
      return work.run(store);
    } finally {
      gate.writeLock().unlock();
    }
  }

  private <T> T change(Change<T> c) throws FsException {
    gate.readLock().lock();
    try {
      return c.run();
    } finally {
      gate.readLock().unlock();
    }
  }

  @Override
  public InodeAttributes initRoot(NewInode spec) throws FsException {
    return change(() -> store.initRoot(spec));
  }

  @Override
  public InodeAttributes getAttributes(InodeId inode) throws FsException {
    return store.getAttributes(inode);
  }

  @Override
  public Optional<DirEntry> lookup(InodeId parent, Name name) throws FsException {
    return store.lookup(parent, name);
  }

  @Override
  public InodeId parentOf(InodeId directory) throws FsException {
    return store.parentOf(directory);
  }

  @Override
  public List<DirEntry> readDir(InodeId directory, long afterCookie, int limit) throws FsException {
    return store.readDir(directory, afterCookie, limit);
  }

  @Override
  public InodeAttributes create(InodeId parent, Name name, NewInode spec) throws FsException {
    return change(() -> store.create(parent, name, spec));
  }

  @Override
  public String readSymlink(InodeId inode) throws FsException {
    return store.readSymlink(inode);
  }

  @Override
  public InodeAttributes link(InodeId inode, InodeId parent, Name name, Instant now) throws FsException {
    return change(() -> store.link(inode, parent, name, now));
  }

  @Override
  public InodeAttributes unlink(InodeId parent, Name name, boolean directory, Instant now) throws FsException {
    return change(() -> store.unlink(parent, name, directory, now));
  }

  @Override
  public RenameResult rename(InodeId parent, Name name, InodeId newParent, Name newName, RenameFlags flags,
      Instant now) throws FsException {
    return change(() -> store.rename(parent, name, newParent, newName, flags, now));
  }

  @Override
  public InodeAttributes setAttributes(InodeId inode, AttrUpdate update) throws FsException {
    return change(() -> store.setAttributes(inode, update));
  }

  @Override
  public List<ChunkRef> chunks(InodeId inode) throws FsException {
    return store.chunks(inode);
  }

  @Override
  public CommitResult commitContent(ContentCommit commit) throws FsException {
    return change(() -> store.commitContent(commit));
  }

  @Override
  public CommitResult purge(InodeId inode) throws FsException {
    return change(() -> store.purge(inode));
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
  public List<BlobRef> liveBlobs(String afterRef, int limit) throws FsException {
    return store.liveBlobs(afterRef, limit);
  }

  @Override
  public Optional<byte[]> getXattr(InodeId inode, String name) throws FsException {
    return store.getXattr(inode, name);
  }

  @Override
  public void setXattr(InodeId inode, String name, byte[] value, XattrMode mode, Instant now) throws FsException {
    change(() -> {
      store.setXattr(inode, name, value, mode, now);
      return null;
    });
  }

  @Override
  public List<String> listXattr(InodeId inode) throws FsException {
    return store.listXattr(inode);
  }

  @Override
  public void removeXattr(InodeId inode, String name, Instant now) throws FsException {
    change(() -> {
      store.removeXattr(inode, name, now);
      return null;
    });
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
  public void close() throws FsException {
    store.close();
  }
}
