package org.truckeefs.core;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A chunk file written by this host and not yet uploaded, in an {@link OpenFile}'s dirty layer or one of its sealed
 * {@link Snapshot}s. Its fields are guarded by the file's lock; its channel by its own monitor.
 */
final class DirtyChunk {
  final long index;
  final Path path;
  FileChannel ch;
  long length;
  /** The ranges of this chunk written by this host in this layer; the other bytes are copies. */
  final ByteRanges written;
  /** The committed-view epoch the copied bytes come from; older than the file's epoch means stale. */
  long baseEpoch;
  /** The file's SHA-256 while it is written sequentially from 0 (thread-safe; fed by the writer's claims). */
  final RunningHash hash = new RunningHash();
  /** The file as the running hash's catch-ups read it. */
  final RunningHash.Source hashSource;

  /**
   * The SHA-256 of the sealed file's bytes when they were all claimed as written, else null; may wait for the
   * hashing executor and hash the tail in the caller's thread.
   */
  byte[] knownSha256() {
    return hash.digestOf(length, hashSource);
  }

  DirtyChunk(long index, Path path, FileChannel ch, long length, ByteRanges written, long baseEpoch) {
    this.index = index;
    this.path = path;
    this.hashSource = RunningHash.of(path);
    this.ch = ch;
    this.length = length;
    this.written = written;
    this.baseEpoch = baseEpoch;
  }

  synchronized FileChannel channel() throws IOException {
    if (ch == null) {
      ch = FileChannel.open(path, StandardOpenOption.READ);
    }
    return ch;
  }

  synchronized void close() {
    if (ch != null) {
      try {
        ch.close();
      } catch (IOException ignored) {
        // already forced, or being discarded
      }
      ch = null;
    }
  }

  void delete() {
    hash.lost(); // a catch-up still queued stops at its next piece
    close();
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // an unreferenced dirty file is removed at the next start
    }
  }
}
