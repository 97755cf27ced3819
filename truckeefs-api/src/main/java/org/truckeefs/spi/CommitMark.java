package org.truckeefs.spi;

import java.util.Objects;

/**
 * Names one commit of a host's write-back journal. {@link MetadataStore#commitContent} records it in the same
 * transaction as the content, so after a crash the host can tell a journaled upload that was committed from one
 * that was not, however many other commits came after it.
 *
 * @param owner the host (its cache directory's id)
 * @param seq the journal's sequence number of the upload, increasing per owner
 */
public record CommitMark(String owner, long seq) {
  public CommitMark {
    Objects.requireNonNull(owner, "owner");
  }
}
