package org.truckeefs.spi;

import java.util.Objects;

/**
 * Chunk {@code index} of a file: bytes {@code [index * chunkSize, index * chunkSize + length)} are blob {@code blob}.
 * A chunk index missing from a file's chunk map is a hole (reads as zeros).
 */
public record ChunkRef(long index, BlobRef blob, long length) {
  public ChunkRef {
    Objects.requireNonNull(blob, "blob");
    if (index < 0 || length < 0) {
      throw new IllegalArgumentException("negative chunk index or length");
    }
  }
}
