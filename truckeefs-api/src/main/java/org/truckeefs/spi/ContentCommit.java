package org.truckeefs.spi;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.truckeefs.api.InodeId;

/**
 * A compare-and-set of a file's content, applied by {@link MetadataStore#commitContent} in one transaction.
 *
 * @param inode the file
 * @param expectedVersion the version the writer started from; a different current version fails with ESTALE
 * @param newSize the file's new length
 * @param upserts chunks that replace (or add) the chunk at their index
 * @param dropFromIndex chunks at this index and above are removed unless upserted (truncation); {@link Long#MAX_VALUE} keeps all
 * @param mtime the new modification time (ctime is set to it as well, but never earlier than the inode's ctime: the
 *     kernel's coarse write times may lie just before this host's precise creation time)
 * @param journalId the upload-journal entry this commit completes, removed in the same transaction; 0 for none
 * @param mark recorded in the same transaction (see {@link MetadataStore#commitMarks}); null for none
 */
public record ContentCommit(
    InodeId inode, long expectedVersion, long newSize, List<ChunkRef> upserts, long dropFromIndex, Instant mtime,
    long journalId, CommitMark mark) {

  /** A commit without a mark. */
  public ContentCommit(InodeId inode, long expectedVersion, long newSize, List<ChunkRef> upserts, long dropFromIndex,
      Instant mtime, long journalId) {
    this(inode, expectedVersion, newSize, upserts, dropFromIndex, mtime, journalId, null);
  }

  public ContentCommit {
    Objects.requireNonNull(inode, "inode");
    Objects.requireNonNull(mtime, "mtime");
    upserts = List.copyOf(upserts);
    if (newSize < 0) {
      throw new IllegalArgumentException("negative size");
    }
  }
}
