package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a dirty chunk file, kept while the chunk is written from offset 0 on: the local blob store names a
 * blob by that digest, so a chunk hashed as it was written is stored without being read again. Writes may arrive a
 * little out of order (a FUSE mount's writeback sends a file's pages from several threads at once): a write past
 * the hashed prefix is left for later, and when the write that fills the gap comes, the bytes written ahead are read
 * back (from the page cache) and hashed too. A write into the hashed prefix (an overwrite), a write after the
 * digest was taken, or a truncate loses the hash for good; the store then reads and hashes the file itself. The
 * writer calls {@link #wrote} under its file's write lock; the upload calls {@link #digestOf} once it is sealed.
 */
final class RunningHash {
  private static final int READ_BACK = 128 * 1024;

  private MessageDigest sha = newSha256();
  /** Bytes {@code [0, end)} are hashed. */
  private long end;
  /** The finished digest, once taken. */
  private byte[] digest;

  /**
   * {@code bytes} (position to limit) reached the file at {@code offset}.
   *
   * @param runEnd where the bytes this host wrote contiguously from {@code offset} end (this write included)
   * @param file the chunk file, to read back bytes written ahead of the hashed prefix
   */
  synchronized void wrote(long offset, ByteBuffer bytes, long runEnd, FileChannel file) {
    if (sha == null || digest != null || offset < end) {
      lost();
      return;
    }
    if (offset > end) {
      return; // ahead of the prefix: hashed once the gap before it is written
    }
    end += bytes.remaining();
    sha.update(bytes);
    if (runEnd > end) {
      try {
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(READ_BACK, runEnd - end));
        while (end < runEnd) {
          buf.clear().limit((int) Math.min(buf.capacity(), runEnd - end));
          int n = file.read(buf, end);
          if (n <= 0) {
            lost();
            return;
          }
          buf.flip();
          sha.update(buf);
          end += n;
        }
      } catch (IOException e) {
        lost(); // the store hashes the file itself
      }
    }
  }

  /** The file changed in a way the hash does not follow. */
  synchronized void lost() {
    sha = null;
    digest = null;
  }

  /**
   * The SHA-256 of the file when it holds exactly the hashed bytes (its {@code length} is where hashing ended), else
   * null. Finishes the hash: a later {@link #wrote} loses it.
   */
  synchronized byte[] digestOf(long length) {
    if (end != length || sha == null && digest == null) {
      return null;
    }
    if (digest == null) {
      digest = sha.digest();
    }
    return digest.clone();
  }

  private static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
