package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Byte copying for chunk and cache files: a read fills its buffer (a hole reads as zeros, and so does the sparse end
 * of a dirty file); a positional write writes all of its buffer.
 */
final class ChunkBytes {
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

  private ChunkBytes() {}

  static void zeros(ByteBuffer dst, int n) {
    int left = n;
    while (left > 0) {
      int k = Math.min(left, ZEROS.capacity());
      dst.put(ZEROS.duplicate().limit(k));
      left -= k;
    }
  }

  static void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
    long p = pos;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, p);
      if (n < 0) {
        zeros(dst, dst.remaining()); // the dirty file is sparse at its end
        return;
      }
      p += n;
    }
  }

  /** Writes all of {@code b} at {@code at}; returns the position after it. */
  static long writeFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
    long p = at;
    while (b.hasRemaining()) {
      p += ch.write(b, p);
    }
    return p;
  }
}
