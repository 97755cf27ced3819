package org.truckeefs.core;

import java.nio.file.Path;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.DiskWriteback;

/**
 * Starts the disk write of a full chunk file as soon as its running hash is complete, so that an fsync after a
 * sequential write finds most of it on the disk (a 256 MiB write + fsync: benchmarks.md). A chunk closed without an
 * fsync loses nothing by it: the local blob store forces every blob within seconds anyway.
 *
 * <p>Only full chunks, and only content the blob store does not hold yet: a chunk whose bytes are stored already
 * is deduplicated by its put and its file deleted unwritten, so writing it would be a disk write for nothing (and
 * writing the same bytes again is common: a file copied twice, a benchmark run twice). Deciding needs the whole
 * chunk's digest, hence whole chunks.
 */
final class EarlyWriteback {
  static final EarlyWriteback NONE = new EarlyWriteback(DiskWriteback.NONE, null);

  private final DiskWriteback disk;
  private final BlobStore blobs;

  EarlyWriteback(DiskWriteback disk, BlobStore blobs) {
    this.disk = disk;
    this.blobs = blobs;
  }

  /** Whether anything is ever started (false: callers need not tell it of full chunks). */
  boolean enabled() {
    return disk.available();
  }

  /** The chunk file {@code file} holds {@code length} bytes, all hashed to {@code sha256}, and grows no more. */
  void fullChunkHashed(Path file, long length, byte[] sha256) {
    if (!blobs.holds(sha256)) {
      disk.start(file, 0, length);
    }
  }
}
