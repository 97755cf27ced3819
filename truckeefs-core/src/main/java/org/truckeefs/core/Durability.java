package org.truckeefs.core;

import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * The one place durability is paid: fsync, fdatasync, syncfs and the blob collector make what was committed survive
 * a power loss here, blobs first. Puts of a store that defers forcing (the local store) are made durable by
 * {@link BlobStore#sync}, which forces every pending blob, not only the calling file's: {@link MetadataStore#sync}
 * makes every commit so far durable, other files' too, and none of them may then name bytes a power loss can take.
 */
final class Durability {
  private final BlobStore blobs;
  private final MetadataStore meta;

  Durability(BlobStore blobs, MetadataStore meta) {
    this.blobs = blobs;
    this.meta = meta;
  }

  /** Every blob put so far is forced, then every commit made so far is durable (in that order). */
  void barrier() throws FsException {
    blobs.sync();
    meta.sync();
  }
}
