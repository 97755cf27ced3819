package org.truckeefs.spi;

import java.util.List;
import java.util.Objects;
import org.truckeefs.api.InodeAttributes;

/**
 * The outcome of {@link MetadataStore#unlink(org.truckeefs.api.InodeId, org.truckeefs.api.Name, boolean,
 * java.time.Instant, org.truckeefs.api.InodeId)}.
 *
 * @param unlinked the inode after the unlink (its link count decreased)
 * @param purged whether the inode was purged in the same transaction (it reached link count 0 and was the inode the caller named)
 * @param unreferenced blobs the purge left unreferenced (informational, as in {@link CommitResult})
 * @param parent the directory's attributes as the same transaction left them (new mtime/ctime, one entry fewer,
 *     one link fewer for a removed directory), or null when the store does not report them
 */
public record UnlinkResult(InodeAttributes unlinked, boolean purged, List<BlobRef> unreferenced,
    InodeAttributes parent) {
  public UnlinkResult {
    Objects.requireNonNull(unlinked, "unlinked");
    unreferenced = List.copyOf(unreferenced);
  }

  /** A result that does not report the directory's attributes. */
  public UnlinkResult(InodeAttributes unlinked, boolean purged, List<BlobRef> unreferenced) {
    this(unlinked, purged, unreferenced, null);
  }
}
