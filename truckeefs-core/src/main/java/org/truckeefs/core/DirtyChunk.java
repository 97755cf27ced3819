package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * A chunk written by this host and not yet uploaded, in an {@link OpenFile}'s dirty layer or one of its sealed
 * {@link Snapshot}s. Its bytes are in a dirty cache file, or, for a small chunk, in memory: a file per small file
 * would make creating it cost a file create and, after the upload, an unlink on the cache's filesystem, which bound
 * small-file writes (benchmarks.md). A chunk in memory is made crash-safe by its journal record, which carries its
 * bytes ({@link PendingUpload.Part#bytes}); it moves to a file ({@link #moveToFile}) when it grows past
 * {@link #MAX_IN_MEMORY} or the {@link MemoryBudget} is spent.
 *
 * <p>Its fields are guarded by the file's lock; its channel by its own monitor. A sealed chunk never changes again,
 * so an upload or a rebase reads it without the file's lock; that is why {@link #delete} leaves {@link #memory} in
 * place (the garbage collector takes it with the last reader) and only returns its budget.
 */
final class DirtyChunk {
  /**
   * The largest chunk kept in memory. Its bytes are written twice (the journal record, then the blob) where a file's
   * are written once and linked as the blob, so memory pays only while copying is cheaper than a file create and
   * unlink: for most small files (sources, configuration, mail), not for large ones. Through a mount, 128 KiB files
   * wrote back as fast either way (benchmarks.md); in-process, 100-byte files ran 1.2 to 4 times as fast.
   */
  static final int MAX_IN_MEMORY = 64 * 1024;

  final long index;
  /** The chunk's file; null while the chunk is in memory. */
  private Path path;
  FileChannel ch;
  /** The chunk's bytes while in memory ({@code [0, length)}, zeros after); null once in a file. */
  private byte[] memory;
  /** Where {@link #memory}'s capacity is counted; null for a chunk born in a file. */
  private final MemoryBudget budget;
  private boolean budgetReturned;
  long length;
  /** The ranges of this chunk written by this host in this layer; the other bytes are copies. */
  final ByteRanges written;
  /** The committed-view epoch the copied bytes come from; older than the file's epoch means stale. */
  long baseEpoch;
  /** The file's SHA-256 while it is written sequentially from 0 (thread-safe; fed by the writer's claims). */
  final RunningHash hash = new RunningHash();
  /** The file as the running hash's catch-ups read it (only a chunk in a file claims bytes for hashing). */
  final RunningHash.Source hashSource = () -> RunningHash.of(path()).open();

  /** A chunk in a dirty cache file. */
  DirtyChunk(long index, Path path, FileChannel ch, long length, ByteRanges written, long baseEpoch) {
    this.index = index;
    this.path = path;
    this.ch = ch;
    this.length = length;
    this.written = written;
    this.baseEpoch = baseEpoch;
    this.budget = null;
  }

  /**
   * A chunk in memory whose {@code bytes} (their whole capacity) are already reserved in {@code budget}.
   *
   * @param bytes the chunk's bytes {@code [0, length)}, zeros after; owned by the chunk from now on
   */
  DirtyChunk(long index, byte[] bytes, long length, ByteRanges written, long baseEpoch, MemoryBudget budget) {
    this.index = index;
    this.memory = bytes;
    this.length = length;
    this.written = written;
    this.baseEpoch = baseEpoch;
    this.budget = budget;
  }

  boolean inMemory() {
    return memory != null;
  }

  /** The chunk's file (it is in one: see {@link #inMemory}). */
  Path path() {
    if (path == null) {
      throw new IllegalStateException("chunk " + index + " is in memory");
    }
    return path;
  }

  /** The bytes {@code [0, length)} of a chunk in memory, read-only; the caller must not keep them past a write. */
  ByteBuffer bytes() {
    return ByteBuffer.wrap(memory, 0, (int) length).asReadOnlyBuffer();
  }

  /**
   * Makes room in memory for bytes up to {@code end}, reserving it in the budget; false when the chunk would pass
   * {@link #MAX_IN_MEMORY} or the budget is spent (the caller then moves it to a file).
   */
  boolean reserve(long end) {
    if (end <= memory.length) {
      return true;
    }
    if (end > MAX_IN_MEMORY) {
      return false;
    }
    int grown = (int) Math.min(MAX_IN_MEMORY, Math.max(end, 2L * memory.length));
    if (!budget.tryReserve(grown - memory.length)) {
      return false;
    }
    memory = Arrays.copyOf(memory, grown);
    return true;
  }

  /** Copies {@code src} to memory at {@code pos}; {@link #reserve} made room for it. */
  void put(ByteBuffer src, int pos) {
    src.get(memory, pos, src.remaining());
  }

  /** Cuts a chunk in memory at {@code at}: the bytes after it read as zeros again. */
  void cut(int at) {
    if (at < memory.length) {
      Arrays.fill(memory, at, (int) Math.min(memory.length, Math.max(at, length)), (byte) 0);
    }
  }

  /**
   * Moves a chunk in memory into the new dirty file {@code file} (created and open): its bytes are written there
   * and its memory goes back to the budget. Its written bytes are claimed for hashing by the caller, as a write's.
   */
  void moveToFile(Path file, FileChannel channel) throws IOException {
    ChunkBytes.writeFully(channel, ByteBuffer.wrap(memory, 0, (int) length), 0);
    returnBudget();
    this.path = file;
    this.ch = channel;
    this.memory = null;
  }

  /** Reads bytes from {@code pos} into {@code dst} until it is full; past the bytes held, zeros. */
  void readFully(ByteBuffer dst, long pos) throws IOException {
    byte[] m = memory;
    if (m != null) {
      int n = (int) Math.max(0, Math.min(dst.remaining(), Math.min(length, m.length) - pos));
      if (n > 0) {
        dst.put(m, (int) pos, n);
      }
      ChunkBytes.zeros(dst, dst.remaining());
      return;
    }
    ChunkBytes.readFully(channel(), dst, pos);
  }

  /**
   * The SHA-256 of the sealed chunk's bytes when they were all claimed as written, else null; may wait for the
   * hashing executor and hash the tail in the caller's thread. Null for a chunk in memory: its store hashes it.
   */
  byte[] knownSha256() {
    return memory != null ? null : hash.digestOf(length, hashSource);
  }

  /**
   * The SHA-256 of the sealed chunk's bytes: {@link #knownSha256} when it knows it, else computed now (from memory,
   * or by reading the file). For a caller that must name the blob before it puts it ({@link PromptRelease}).
   */
  byte[] sha256() throws IOException {
    byte[] known = knownSha256();
    if (known != null) {
      return known;
    }
    if (memory != null) {
      MessageDigest md = RunningHash.newSha256();
      md.update(memory, 0, (int) length);
      return md.digest();
    }
    return RunningHash.sha256(channel(), length);
  }

  synchronized FileChannel channel() throws IOException {
    if (ch == null) {
      ch = FileChannel.open(path(), StandardOpenOption.READ);
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

  /** No layer names the chunk any more: its file goes, or its memory's budget (the bytes go with the last reader). */
  void delete() {
    hash.lost(); // a catch-up still queued stops at its next piece
    close();
    returnBudget();
    if (path != null) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // an unreferenced dirty file is removed at the next start
      }
    }
  }

  private void returnBudget() {
    if (budget != null && !budgetReturned && memory != null) {
      budgetReturned = true;
      budget.release(memory.length);
    }
  }
}
