package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.TimeUnit;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The SHA-256 of a dirty chunk file, kept while the chunk is written from offset 0 on: the local blob store names a
 * blob by that digest, so a chunk hashed as it was written is stored without being hashed again at fsync.
 *
 * <p>The writer does not hash: SHA-256 (about 1 GB/s per core with SHA-NI) took 60 % of a sequential write's time
 * in the writer's thread (benchmarks.md). The writer only <em>claims</em> what it wrote ({@link #wrote}, after the
 * bytes reached the file); a catch-up task on the hashing executor reads the claimed bytes back from the file (page
 * cache) and hashes them, so the FUSE write returns after its pwrite and the two run on two cores. The put then
 * finishes the hash ({@link #digestOf}): it waits for a running catch-up and hashes the short tail itself.
 *
 * <p>Exactness: claimed bytes are in the file before they are claimed (the writer claims after its pwrite returned),
 * and any later write into the claimed prefix {@code [0, claimed)}, whether its bytes were hashed yet or not, loses
 * the hash for good, as does a truncate; so a catch-up that read bytes which then changed never yields a digest.
 * Writes may arrive a little out of order (a FUSE mount's writeback sends a file's pages from several threads): a
 * write past the claimed prefix is left for later and claimed when the write that fills the gap comes. When the
 * hash is lost, or the file holds bytes never claimed (copied, or a gap), the store reads and hashes the file itself.
 *
 * <p>Locking: this object's monitor guards its fields and is never held across I/O or hashing. While
 * {@link #running}, only the one catch-up (or the finishing put) that set it updates {@link #sha}. A put does not
 * wait for a catch-up that is only queued: it hashes the backlog itself, so at fsync every put thread hashes its
 * own chunk in parallel instead of queueing behind the hashing executor; the late task then finds nothing to do.
 */
final class RunningHash {
  /**
   * The least backlog handed to the hasher at once (fewer, longer tasks; a shorter tail is hashed by the put), and
   * at most a quarter of a chunk, so that small chunks are hashed while written too.
   */
  static final int MAX_STEP = 1 << 20;
  private static final int READ = 256 * 1024;
  /** One read buffer per hashing thread (hasher pool and put threads), not one allocation per task. */
  private static final ThreadLocal<ByteBuffer> BUFFERS = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(READ));
  /** How long a put waits for a catch-up before hashing the file itself (a stopped or starved hash executor). */
  private static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

  private MessageDigest sha = newSha256();
  /** Bytes {@code [0, end)} are hashed. */
  private long end;
  /** Bytes {@code [0, claimed)} are in the file, written by this host without a gap; {@code [end, claimed)} wait. */
  private long claimed;
  /** A catch-up task is queued on the hashing executor and has not started. */
  private boolean queued;
  /** A catch-up (or a finishing put) is hashing: it alone updates {@link #sha} meanwhile. */
  private boolean running;
  /** The finished digest, once taken. */
  private byte[] digest;

  /**
   * Bytes {@code [offset, ...)} reached the file (call after the write returned, under the file's write lock).
   *
   * @param runEnd where the bytes this host wrote contiguously from {@code offset} end (this write included)
   * @param step the least backlog worth a catch-up task
   * @return whether the caller must run {@link #catchUp} on the hashing executor (this call marked it queued)
   */
  synchronized boolean wrote(long offset, long runEnd, int step) {
    if (sha == null || digest != null || offset < claimed) {
      lost();
      return false;
    }
    if (offset > claimed) {
      return false; // ahead of the prefix: claimed once the gap before it is written
    }
    claimed = runEnd;
    if (queued || running || claimed - end < step) {
      return false;
    }
    queued = true;
    return true;
  }

  /** The task {@link #wrote} asked for could not be queued (the executor is shut down): the put hashes it all. */
  synchronized void notQueued() {
    queued = false;
  }

  /** The file changed in a way the hash does not follow. */
  synchronized void lost() {
    sha = null;
    digest = null;
  }

  /** Where a catch-up reads the chunk's bytes: the chunk file, through a channel of the reader's own. */
  interface Source {
    Reader open() throws IOException;
  }

  /** One catch-up's reads. */
  interface Reader extends AutoCloseable {
    /** Fills {@code dst} from {@code pos}; false when the file ends first (it was truncated: the hash is lost). */
    boolean readFully(ByteBuffer dst, long pos) throws IOException;

    @Override
    void close() throws IOException;
  }

  /** A chunk file's bytes, read through a channel of the catch-up's own. */
  static Source of(Path file) {
    return () -> {
      FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
      return new Reader() {
        @Override
        public boolean readFully(ByteBuffer dst, long pos) throws IOException {
          long p = pos;
          while (dst.hasRemaining()) {
            int n = in.read(dst, p);
            if (n < 0) {
              return false;
            }
            p += n;
          }
          return true;
        }

        @Override
        public void close() throws IOException {
          in.close();
        }
      };
    };
  }

  /** Told by a catch-up that the chunk's bytes are all hashed, up to the most a chunk holds. */
  interface Full {
    /** @param sha256 the SHA-256 of the chunk's bytes as they are now (a later write may still change them) */
    void hashed(byte[] sha256);
  }

  /**
   * Hashes the claimed bytes until caught up; run on the hashing executor after {@link #wrote} asked for it.
   *
   * @param full told when this catch-up hashed the chunk up to {@code fullLength} bytes (it cannot grow more), or
   *     null
   */
  void catchUp(Source chunk, long fullLength, Full full) {
    synchronized (this) {
      queued = false;
      if (running) {
        return; // a put took the backlog over
      }
      running = true;
    }
    MessageDigest whole = hashClaimed(chunk, full == null ? -1 : fullLength);
    if (whole != null) {
      full.hashed(whole.digest());
    }
  }

  /**
   * The SHA-256 of the file when it holds exactly the claimed bytes (its {@code length} is where the claim ends),
   * else null. Waits for a running catch-up and hashes the rest in the caller's thread. Finishes the hash: a later
   * {@link #wrote} loses it. Call once the chunk is sealed (nobody writes it any more).
   */
  byte[] digestOf(long length, Source chunk) {
    synchronized (this) {
      if (!awaitIdle()) {
        return null;
      }
      if (digest != null) {
        return end == length ? digest.clone() : null;
      }
      if (sha == null || claimed != length) {
        return null;
      }
      running = true;
    }
    hashClaimed(chunk, -1);
    synchronized (this) {
      if (running || sha == null || end != length) {
        return null;
      }
      if (digest == null) {
        digest = sha.digest();
      }
      return digest.clone();
    }
  }

  /** Waits until no catch-up runs (a queued one is not waited for); false when it waited too long. */
  private boolean awaitIdle() {
    long deadline = System.nanoTime() + MAX_WAIT_NANOS;
    boolean interrupted = false;
    try {
      while (running) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(this, left);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Hashes {@code [end, claimed)} piece by piece until caught up, then clears {@link #running}. Call with it set by
   * the caller. Reads through a channel of its own, never the writer's: an interrupt during a read closes the
   * channel it reads from, and the writer's must not close under it. A read that fails leaves the rest to the put,
   * which then has the store hash the file itself.
   *
   * @param fullLength where a full chunk ends, or -1
   * @return a copy of the digest when this call hashed the chunk's last bytes up to {@code fullLength}, else null
   */
  private MessageDigest hashClaimed(Source chunk, long fullLength) {
    ByteBuffer buf = null;
    Reader in = null;
    MessageDigest md = null;
    boolean stopped = false;
    try {
      while (true) {
        long from;
        long to;
        synchronized (this) {
          if (sha == null || end >= claimed) {
            // Caught up: stop running in the same critical section, so that a claim made from now on queues a
            // catch-up of its own instead of finding this one still running and leaving its bytes to the put
            MessageDigest whole = sha == md && md != null && end == fullLength ? (MessageDigest) md.clone() : null;
            stopped = true;
            running = false;
            notifyAll();
            return whole; // a copy: only this call updated md, and from now on others may
          }
          md = sha;
          from = end;
          to = Math.min(claimed, end + READ);
        }
        if (in == null) {
          in = chunk.open();
          buf = BUFFERS.get();
        }
        buf.clear().limit((int) (to - from));
        if (!in.readFully(buf, from)) {
          return null;
        }
        buf.flip();
        // only this task updates md while running; a write into [from, to) after its claim lost the hash (sha != md)
        md.update(buf);
        synchronized (this) {
          if (sha != md) {
            return null;
          }
          end = to;
        }
      }
    } catch (IOException e) {
      return null; // deleted or unreadable: the put has the store hash the file itself
    } catch (CloneNotSupportedException e) {
      return null; // the JDK's SHA-256 can be cloned; a provider whose cannot only starts no write early
    } finally {
      if (in != null) {
        try {
          in.close();
        } catch (IOException ignored) {
          // read-only
        }
      }
      if (!stopped) {
        synchronized (this) {
          running = false;
          notifyAll();
        }
      }
    }
  }

  /**
   * The SHA-256 of a file's first {@code size} bytes, read from {@code in} at positions (for the store and a put
   * that must name a chunk whose running hash was lost).
   */
  static byte[] sha256(FileChannel in, long size) throws IOException {
    MessageDigest sha = newSha256();
    ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(READ, Math.max(size, 1)));
    for (long pos = 0; pos < size; ) {
      buf.clear().limit((int) Math.min(buf.capacity(), size - pos));
      int n = in.read(buf, pos);
      if (n < 0) {
        throw new FsException(FsError.IO, "file to store ended after " + pos + " of " + size + " bytes");
      }
      buf.flip();
      sha.update(buf);
      pos += n;
    }
    return sha.digest();
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
