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
  BACKUPS,
  /**
   * The store names a blob by the SHA-256 of its bytes and takes the caller's digest in
   * {@link BlobStore#putFile(java.nio.file.Path, long, byte[])} instead of reading the file again, so a caller
   * that can hash the bytes while writing them should. Without it the digest is ignored, and not worth computing.
   */
  SHA256_NAMES,
  /**
   * A put is a write to a local disk that does not force it (no network round trip, no wait for a device): core
   * then uploads small files one after another in one thread, several to a commit, instead of a thread each.
   */
  LOCAL_DISK
}
