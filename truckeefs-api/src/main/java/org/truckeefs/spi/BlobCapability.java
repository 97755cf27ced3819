package org.truckeefs.spi;

/** Optional features of a {@link BlobStore}. */
public enum BlobCapability {
  /** {@link BlobStore#read} of a sub-range costs about the range, not the whole blob. */
  RANGE_READ,
  /** Identical content yields the same {@link BlobRef} (content addressing or convergent encryption). */
  DEDUPLICATING,
  /** {@link BlobStore#release} frees space now (otherwise space returns by lease expiry). */
  IMMEDIATE_RELEASE,
  /** Blobs expire unless {@link BlobStore#renewLease} is called periodically. */
  LEASES,
  /** The store can mirror the namespace as browsable directories (Tahoe MIRROR strategy). */
  NAMESPACE_MIRROR,
  /** The store keeps named metadata backups ({@link BlobStore#storeBackup} and the methods after it). */
  BACKUPS
}
