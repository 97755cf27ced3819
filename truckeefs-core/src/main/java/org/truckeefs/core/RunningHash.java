package org.truckeefs.core;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The SHA-256 of a dirty chunk file, kept while the chunk is written sequentially from offset 0: the local blob
 * store names a blob by that digest, so a chunk hashed as it was written is stored without being read again. Any
 * other write (a gap, an overwrite, a write after the digest was taken) or a truncate loses the hash for good; the
 * store then reads and hashes the file itself. The writer calls {@link #wrote} under its file's write lock; the
 * upload calls {@link #digestOf} once the chunk is sealed.
 */
final class RunningHash {
  private MessageDigest sha = newSha256();
  /** Bytes {@code [0, end)} are hashed. */
  private long end;
  /** The finished digest, once taken. */
  private byte[] digest;

  /** {@code bytes} (position to limit) reached the file at {@code offset}. */
  synchronized void wrote(long offset, ByteBuffer bytes) {
    if (sha == null || digest != null || offset != end) {
      lost();
      return;
    }
    end += bytes.remaining();
    sha.update(bytes);
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
