package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.ChunkRef;

/**
 * The byte-exact rebase of a stale dirty chunk (see {@link OpenFile}): last writer wins per byte range, and bytes
 * this host did not write are never overwritten with old content.
 */
final class ChunkRebase {
  private ChunkRebase() {}

  /**
   * A copy of {@code mine} rebuilt on {@code theirs}: the newer committed bytes cut at {@code truncatedTo} (the
   * snapshot's truncation point) with this host's written ranges on top, based on epoch {@code current}. Its
   * length is counted as dirty. Runs without the file's lock: {@code mine} is sealed and never written again.
   */
  static DirtyChunk rebuild(InodeId id, int chunkSize, ChunkCache cache, DirtyChunk mine, ChunkRef theirs,
      long truncatedTo, long current) throws FsException {
    long chunkStart = mine.index * chunkSize;
    long limit = truncatedTo == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, truncatedTo - chunkStart);
    long theirsLen = theirs == null ? 0 : Math.min(theirs.length(), limit);
    Path p = cache.newDirtyFile(id);
    try {
      FileChannel ch = ChunkCache.createDirtyFile(p);
      try {
        if (theirsLen > 0) {
          cache.copyInto(theirs, ch);
          ch.truncate(theirsLen);
        }
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        for (long[] r : mine.written.pairs()) {
          for (long pos = r[0]; pos < r[1]; ) {
            buf.clear().limit((int) Math.min(buf.capacity(), r[1] - pos));
            mine.readFully(buf, pos);
            buf.flip();
            long w = pos;
            while (buf.hasRemaining()) {
              w += ch.write(buf, w);
            }
            pos = w;
          }
        }
        long len = Math.max(theirsLen, mine.written.end());
        cache.addDirty(len);
        return new DirtyChunk(mine.index, p, ch, len, mine.written.copy(), current);
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
    } catch (IOException e) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // removed at the next start
      }
      throw DiskErrors.map("rebase " + id + " in the cache", e);
    }
  }
}
