package org.truckeefs.spi;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Immutable content storage. A blob is written once with {@link #put} and then only read or released.
 * Implementations are thread-safe and contain no caching, retries-above-transport or metrics: core adds
 * those as decorators. Errors are {@link FsException}s (unreachable or failing store: EIO; full: ENOSPC).
 */
public interface BlobStore extends AutoCloseable {

  /**
   * Stores exactly {@code size} bytes read from {@code src} and returns their reference. When this returns the
   * blob is complete and readable under its reference; it is durable (survives a power loss) when this returns,
   * or, for a store that defers forcing (see {@link #sync}), once a later {@code sync()} returns. A failed put
   * leaves nothing that a reference points to.
   */
  BlobRef put(ReadableByteChannel src, long size) throws FsException;

  /**
   * {@link #put} of a whole local file that nobody writes again (a sealed cache file). A store on the same local
   * filesystem may take the file by hard link instead of copying it, so the caller must never change it after this
   * call; the caller may still delete or rename its own name. The default streams it through {@link #put}.
   */
  default BlobRef putFile(Path file, long size) throws FsException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return put(ch, size);
    } catch (java.io.IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot read " + file.getFileName() + " to store it: " + e.getMessage(), e);
    }
  }

  /**
   * {@link #putFile(Path, long)} of a file whose SHA-256 the caller already computed (it hashed the chunk while the
   * writer filled it, and the file has not changed since): a store that names blobs by that digest need not read
   * the file again. {@code sha256} is the digest of exactly the file's {@code size} bytes, or null when unknown;
   * the store trusts it (a wrong digest would file the content under a wrong name). Stores that name blobs
   * otherwise ignore it, as the default does; those that use it say so with {@link BlobCapability#SHA256_NAMES}
   * (callers compute it only then).
   */
  default BlobRef putFile(Path file, long size, byte[] sha256) throws FsException {
    return putFile(file, size);
  }

  /**
   * Whether a put of bytes whose SHA-256 is {@code sha256} would find them stored already (and only look them up),
   * for stores with {@link BlobCapability#SHA256_NAMES}. A hint, never an error: core asks it to avoid writing
   * such bytes to its own disk early. The default is false.
   */
  default boolean holds(byte[] sha256) {
    return false;
  }

  /**
   * {@link #put} of bytes in memory ({@code bytes.remaining()} of them, from its position; the buffer is not changed).
   * Small files' chunks are uploaded from memory (core keeps them there until they are committed). The default
   * streams them through {@link #put}.
   */
  default BlobRef putBytes(ByteBuffer bytes) throws FsException {
    return put(readerOf(bytes), bytes.remaining());
  }

  /**
   * {@link #putBytes(ByteBuffer)} of bytes whose SHA-256 the caller computed, on the terms of
   * {@link #putFile(Path, long, byte[])}: trusted, and ignored by stores that name blobs otherwise (the default).
   */
  default BlobRef putBytes(ByteBuffer bytes, byte[] sha256) throws FsException {
    return putBytes(bytes);
  }

  /**
   * The reference a put of bytes whose SHA-256 is {@code sha256} returns, known before the put, for stores that
   * name blobs by that digest alone; empty otherwise (the default). Core uses it to guard an upload's blob against
   * its own prompt release before the upload starts.
   */
  default Optional<BlobRef> nameOf(byte[] sha256) {
    return Optional.empty();
  }

  /** A channel that reads {@code bytes}' remaining bytes without changing the buffer: a {@link #put} source. */
  static ReadableByteChannel readerOf(ByteBuffer bytes) {
    ByteBuffer src = bytes.duplicate();
    return new ReadableByteChannel() {
      @Override
      public int read(ByteBuffer dst) {
        if (!src.hasRemaining()) {
          return -1;
        }
        int n = Math.min(dst.remaining(), src.remaining());
        dst.put(src.slice(src.position(), n));
        src.position(src.position() + n);
        return n;
      }

      @Override
      public boolean isOpen() {
        return true;
      }

      @Override
      public void close() {}
    };
  }

  /**
   * The local file that holds the blob's bytes, for stores that keep blobs as plain files on this host: the cache
   * may then link it instead of copying it. The file must only be read. Empty by default.
   */
  default Optional<Path> localFile(BlobRef ref) throws FsException {
    return Optional.empty();
  }

  /**
   * Reads up to {@code dst.remaining()} bytes of the blob starting at {@code offset} into {@code dst}; fewer only
   * when the blob ends.
   *
   * @return bytes read; 0 when {@code offset} is at or past the end
   */
  int read(BlobRef ref, long offset, ByteBuffer dst) throws FsException;

  /** The blob's length in bytes. */
  long size(BlobRef ref) throws FsException;

  /**
   * The durability barrier: when it returns, every blob a put of this store returned before the call is durable,
   * bytes and name. Core calls it before it makes a metadata commit durable on request ({@code fsync},
   * {@code fdatasync}, {@code syncfs}) and before it releases blobs, so a durable commit never names a blob a power
   * loss can take. A store may defer forcing its puts until here (the local store does, as a local filesystem's
   * write-back does) and should then also force them in the background within a bounded time. The default does
   * nothing: for stores whose puts are durable when they return (Tahoe).
   */
  default void sync() throws FsException {}

  /** Drops the blob. Best effort and idempotent: releasing an unknown or released blob is not an error. */
  void release(BlobRef ref) throws FsException;

  /** Extends the blob's lease, for stores with {@link BlobCapability#LEASES}. */
  default void renewLease(BlobRef ref) throws FsException {}

  Set<BlobCapability> capabilities();

  /** Bytes the store can still take, or -1 when unknown. Feeds statfs. */
  default long availableBytes() throws FsException {
    return -1;
  }

  /**
   * Startup check ({@code test_integration}): the store is reachable and usable (for Tahoe: the gateway answers,
   * has storage servers, and rootcap is a writable directory). Fails with a one-line message saying what to fix.
   */
  default void checkIntegration() throws FsException {}

  /**
   * Stores a metadata backup of exactly {@code size} bytes under {@code name}, for stores with
   * {@link BlobCapability#BACKUPS}. Names are chosen by core, sort by time, and are safe as file names; an existing
   * backup of the same name is not replaced (EEXIST). The content holds blob references: keep it secret.
   */
  default void storeBackup(String name, ReadableByteChannel src, long size) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this blob store does not keep metadata backups");
  }

  /** The names of the stored metadata backups, oldest first. */
  default List<String> listBackups() throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this blob store does not keep metadata backups");
  }

  /** Opens a stored metadata backup for reading (ENOENT if there is none of that name); the caller closes it. */
  default InputStream openBackup(String name) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this blob store does not keep metadata backups");
  }

  /** Removes a stored metadata backup; removing a missing one is not an error. */
  default void deleteBackup(String name) throws FsException {
    throw new FsException(FsError.UNSUPPORTED, "this blob store does not keep metadata backups");
  }

  /** The namespace mirror, for stores with {@link BlobCapability#NAMESPACE_MIRROR} that were configured to keep one. */
  default Optional<NamespaceMirror> namespaceMirror() {
    return Optional.empty();
  }

  @Override
  void close() throws FsException;
}
