package org.truckeefs.spi;

import java.util.List;
import org.truckeefs.api.InodeAttributes;

/**
 * The outcome of a content commit or of a purge.
 *
 * @param attributes the inode after the commit (version increased by one); null after a purge
 * @param unreferenced blobs that no chunk references any more; the store keeps them listed for
 *     {@link MetadataStore#takeReleasableBlobs} and this list is informational
 */
public record CommitResult(InodeAttributes attributes, List<BlobRef> unreferenced) {
  public CommitResult {
    unreferenced = List.copyOf(unreferenced);
  }
}
