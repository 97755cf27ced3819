package org.truckeefs.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A sealed layer of an {@link OpenFile}: its files are journaled and never written again (forced to disk only by an
 * fsync's upload). Guarded by the file's lock.
 */
final class Snapshot extends Layer {
  /** {@link #journalId} of a snapshot whose journal append is on its way (or failed). */
  static final long NOT_JOURNALED = -1;

  /** When this process queued it (System.nanoTime): the upload queue's age. */
  final long queuedNanos = System.nanoTime();
  final long seq;
  final long size;
  final Instant mtime;
  /** The committed version the snapshot was sealed on (journaled with it). */
  long baseVersion;
  /** Its upload-journal entry, or {@link #NOT_JOURNALED} while the append is on its way (or failed). */
  long journalId = NOT_JOURNALED;
  /** Chunks replaced by their rebased versions: deleted once the commit removed the journal entry naming them. */
  final List<DirtyChunk> superseded = new ArrayList<>();
  /** A utimens after sealing: applied again after the commit, which sets mtime to the sealed value. */
  Instant mtimeOverride;

  Snapshot(long seq, Layer from, long size, Instant mtime) {
    this.seq = seq;
    this.chunks.putAll(from.chunks);
    this.dropFrom = from.dropFrom;
    this.sizeSet = from.sizeSet;
    this.truncatedTo = from.truncatedTo;
    this.size = size;
    this.mtime = mtime;
  }

  Map<Long, DirtyChunk> chunks() {
    return chunks;
  }

  long dropFrom() {
    return dropFrom;
  }

  /**
   * {@code rebuilt} replaces {@code stale} in this snapshot; the stale file stays on disk until the commit, because
   * the journal entry still names it.
   */
  void supersede(DirtyChunk stale, DirtyChunk rebuilt) {
    superseded.add(stale);
    chunks.put(rebuilt.index, rebuilt);
  }

  PendingUpload payload() {
    List<PendingUpload.Part> parts = new ArrayList<>();
    for (DirtyChunk d : chunks.values()) {
      parts.add(d.inMemory()
          ? PendingUpload.Part.inline(d.index, d.written.pairs(), d.bytes())
          : new PendingUpload.Part(d.index, d.length, d.path().getFileName().toString(), d.written.pairs()));
    }
    return new PendingUpload(size, dropFrom, mtime, sizeSet, truncatedTo, parts);
  }
}
