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
 */
public record UnlinkResult(InodeAttributes unlinked, boolean purged, List<BlobRef> unreferenced) {
  public UnlinkResult {
    Objects.requireNonNull(unlinked, "unlinked");
    unreferenced = List.copyOf(unreferenced);
  }
}
