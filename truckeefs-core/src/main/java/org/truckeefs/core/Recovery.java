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
 * Startup replay of the upload journal: every entry this cache (host id) wrote and did not commit becomes a pending
 * snapshot of its file again and is queued for upload; entries that cannot be used (their cache files lost or
 * short, as a power loss before fsync may leave them; the file gone or unlinked) are dropped through the write-back
 * pipeline; dirty cache files no entry names are deleted. Runs before the filesystem serves anything.
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

  /** @return the journal entries resumed or dropped */
  int run() throws FsException {
    Set<String> keep = new HashSet<>();
    List<JournalEntry> entries = writeBack.journaled();
    for (JournalEntry e : entries) {
      PendingUpload p = PendingUpload.decode(e.payload());
      List<OpenFile.DirtyChunk> chunks = new ArrayList<>();
      boolean complete = true;
      for (PendingUpload.Part part : p.parts()) {
        Path file = cache.dirtyDir().resolve(part.file());
        // close() does not force: after a power loss (not a process crash) a file closed but never fsynced may
        // be short or missing. Its data was never promised; uploading what is left would commit garbage.
        if (!Files.isRegularFile(file) || sizeOf(file) < part.length()) {
          complete = false;
          break;
        }
        chunks.add(new OpenFile.DirtyChunk(part.index(), file, null, part.length(), ByteRanges.of(part.written()),
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
        writeBack.forget(e.id());
        continue;
      }
      InodeAttributes attrs = a;
      OpenFile f = files.getOrLoad(e.inode(), id -> loader.load(attrs));
      f.addRecovered(p, e.id(), e.baseVersion(), chunks);
      for (PendingUpload.Part part : p.parts()) {
        keep.add(part.file());
      }
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
    if (!entries.isEmpty()) {
      log.info("resuming {} pending upload(s) from the cache directory", entries.size());
    }
    for (OpenFile f : files.all()) {
      writeBack.submit(f);
    }
    return entries.size();
  }

  private static long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return -1;
    }
  }
}
