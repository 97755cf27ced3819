package org.truckeefs.spi;

import java.util.Objects;
import org.truckeefs.api.InodeAttributes;

/**
 * The outcome of {@link MetadataStore#createEntry}.
 *
 * @param created the new inode
 * @param parent the directory's attributes as the create's transaction left them (new mtime/ctime, one more entry,
 *     one more link for a new directory), or null when the store does not report them
 */
public record CreateResult(InodeAttributes created, InodeAttributes parent) {
  public CreateResult {
    Objects.requireNonNull(created, "created");
  }
}
