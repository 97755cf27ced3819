package org.truckeefs.core;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;

/**
 * Startup replay of the write-back journal ({@link WriteBackJournal}): every snapshot this cache journaled and did
 * not close becomes a pending snapshot of its file again (its chunks in their dirty cache files, or in memory again
 * from the bytes the record carries) and is queued for upload, unless the store holds its commit
 * mark (it committed, and the crash came before its done record: applying it again would lay old bytes over newer
 * ones). Records that cannot be used (their cache files lost or short, as a power loss before fsync may leave them;
 * the file gone or unlinked) are closed through the write-back pipeline; dirty cache files no record names are
 * deleted. Entries of the store's journal written by a version before the local journal are adopted. The journal is
 * then compacted and the store forgets the commit marks it no longer needs. Runs before the filesystem serves
 * anything.
 */
final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  /** Builds a file's OpenFile from its attributes (reads its chunk map). */
  interface Loader {
    OpenFile load(InodeAttributes attrs) throws FsException;
  }

  private final MetadataStore meta;
  private final ChunkCache cache;
  private final OpenFiles files;
  private final WriteBack writeBack;
  private final Loader loader;

  Recovery(MetadataStore meta, ChunkCache cache, OpenFiles files, WriteBack writeBack, Loader loader) {
    this.meta = meta;
    this.cache = cache;
    this.files = files;
    this.writeBack = writeBack;
    this.loader = loader;
  }

  /** @return the journal records resumed or dropped */
  int run() throws FsException {
    String owner = writeBack.hostId();
    Set<Long> marks = commitMarks(owner);
    marks.stream().mapToLong(Long::longValue).max().ifPresent(writeBack::advancePast);
    List<JournalEntry> legacy = meta.journal(owner);
    for (JournalEntry e : legacy) {
      writeBack.adopt(e);
    }
    Set<String> keep = new HashSet<>();
    List<WriteBackJournal.Entry> entries = writeBack.journaled();
    int committed = 0;
    for (WriteBackJournal.Entry e : entries) {
      if (marks.contains(e.seq())) {
        committed++;
        writeBack.forget(e.seq()); // committed before the crash, which came before its done record
        continue;
      }
      PendingUpload p = PendingUpload.decode(e.payload());
      List<DirtyChunk> chunks = new ArrayList<>();
      boolean complete = true;
      for (PendingUpload.Part part : p.parts()) {
        if (part.bytes() != null) { // kept in memory: the record holds the bytes
          cache.memory().force(part.bytes().length);
          chunks.add(new DirtyChunk(part.index(), part.bytes(), part.length(), ByteRanges.of(part.written()), -1,
              cache.memory()));
          continue;
        }
        Path file = cache.dirtyDir().resolve(part.file());
        // close() does not force: after a power loss (not a process crash) a file closed but never fsynced may
        // be short or missing. Its data was never promised; uploading what is left would commit garbage.
        if (!Files.isRegularFile(file) || sizeOf(file) < part.length()) {
          complete = false;
          break;
        }
        chunks.add(new DirtyChunk(part.index(), file, null, part.length(), ByteRanges.of(part.written()),
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
        writeBack.forget(e.seq());
        chunks.stream().filter(DirtyChunk::inMemory).forEach(DirtyChunk::delete); // (files: swept below)
        continue;
      }
      chunks.stream().filter(DirtyChunk::inMemory).forEach(d -> cache.addDirty(d.length));
      InodeAttributes attrs = a;
      OpenFile f = files.getOrLoad(e.inode(), id -> loader.load(attrs));
      f.addRecovered(p, e.seq(), e.baseVersion(), chunks);
      for (PendingUpload.Part part : p.parts()) {
        if (part.bytes() == null) {
          keep.add(part.file());
        }
      }
    }
    // durable before the store forgets anything: the compacted journal no longer names what the marks covered
    writeBack.compactJournal();
    for (JournalEntry e : legacy) {
      meta.journalRemove(e.id()); // adopted, and the local journal holding it is on disk
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
    if (committed > 0) {
      log.info("{} journaled upload(s) had committed before the crash; not applied again", committed);
    }
    if (entries.size() > committed) {
      log.info("resuming {} pending upload(s) from the cache directory", entries.size() - committed);
    }
    for (OpenFile f : files.all()) {
      writeBack.submit(f);
    }
    return entries.size();
  }

  /** The store's commit marks of this cache; none (with a warning) from a store that keeps none. */
  private Set<Long> commitMarks(String owner) throws FsException {
    try {
      return new HashSet<>(meta.commitMarks(owner));
    } catch (FsException e) {
      if (e.error() != FsError.UNSUPPORTED) {
        throw e;
      }
      writeBack.writeDoneAtOnce(); // keeps that window as short as one write
      log.warn("the metadata store keeps no commit marks: an upload committed just before a crash may be "
          + "applied again at this start (this host's bytes of it laid again over newer ones)");
      return new HashSet<>();
    }
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
