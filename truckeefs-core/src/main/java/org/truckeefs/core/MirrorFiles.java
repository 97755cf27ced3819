package org.truckeefs.core;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.JournalEntry;
import org.truckeefs.spi.MetadataStore;

/**
 * Which whole-file handle the mirror holds for which version of each file, kept durable in the metadata store's
 * journal (owner {@code mirror-files:<host>}, one entry per file: inode, version, handle). The start walk compares
 * a mirrored file by this content identity, not by size, so a same-size overwrite that never reached the mirror is
 * found; and a file whose handle is known for its current version is linked again without a re-upload.
 *
 * <p>Handles are caps (secrets): they live where the chunk caps already live, never in a log. Memory: one entry
 * per mirrored file, like the mirror's other per-file maps.
 */
final class MirrorFiles {
  private static final Logger log = LoggerFactory.getLogger(MirrorFiles.class);

  private record Known(long version, String handle, long journalId) {}

  private final MetadataStore meta;
  private final String owner;
  private final Clock clock;
  private final Map<InodeId, Known> known = new ConcurrentHashMap<>();

  MirrorFiles(MetadataStore meta, String hostId, Clock clock) {
    this.meta = meta;
    this.owner = "mirror-files:" + hostId;
    this.clock = clock;
  }

  /** Reads the records; of several for one file (a crash between append and remove) the newest wins. */
  void load() throws FsException {
    for (JournalEntry e : meta.journal(owner)) {
      Known k = new Known(e.baseVersion(), new String(e.payload(), StandardCharsets.UTF_8), e.id());
      Known old = known.put(e.inode(), k);
      if (old != null) {
        Known keep = old.journalId() > k.journalId() ? old : k;
        Known drop = keep == old ? k : old;
        known.put(e.inode(), keep);
        meta.journalRemove(drop.journalId());
      }
    }
  }

  /** The handle recorded for this version of the file, if any. */
  Optional<String> handle(InodeId id, long version) {
    Known k = known.get(id);
    return k != null && k.version() == version ? Optional.of(k.handle()) : Optional.empty();
  }

  /** Records the handle of a version; the previous record goes once the new one is durable. */
  void record(InodeId id, long version, String handle) throws FsException {
    Known old = known.get(id);
    if (old != null && old.version() == version && old.handle().equals(handle)) {
      return;
    }
    JournalEntry e = meta.journalAppend(new JournalEntry(0, id, owner, version,
        handle.getBytes(StandardCharsets.UTF_8), clock.instant()));
    known.put(id, new Known(version, handle, e.id()));
    if (old != null) {
      meta.journalRemove(old.journalId());
    }
  }

  /** The file is gone: its record too. */
  void forget(InodeId id) {
    Known old = known.remove(id);
    if (old != null) {
      try {
        meta.journalRemove(old.journalId());
      } catch (FsException e) {
        log.warn("mirror: cannot remove the record of a purged file ({}); it is dropped at the next start",
            e.getMessage());
      }
    }
  }
}
