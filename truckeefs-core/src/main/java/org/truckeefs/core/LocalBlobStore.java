package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/**
 * Blobs as files named by the SHA-256 of their content ({@code <dir>/ab/abcdef...}), so identical content is
 * stored once. A put streams into a temp file, forces it to disk and renames it into place atomically: a crash
 * leaves at most a temp file, never a half-written blob under its final name.
 */
final class LocalBlobStore implements BlobStore {
  private static final Pattern REF = Pattern.compile("[0-9a-f]{64}");
  private static final int COPY_BUFFER = 256 * 1024;

  private final Path dir;
  private final Path tmp;

  LocalBlobStore(Path dir) throws FsException {
    this.dir = dir;
    this.tmp = dir.resolve("tmp");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw DiskErrors.map("create blob directory " + dir, e);
    }
  }

  @Override
  public BlobRef put(ReadableByteChannel src, long size) throws FsException {
    Path temp = tmp.resolve(UUID.randomUUID() + ".tmp");
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      long written = 0;
      try (FileChannel out = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PrivateDirectory.fileAttributes(temp))) { // 0600: blobs are plaintext
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(COPY_BUFFER, Math.max(size, 1)));
        while (written < size) {
          buf.clear();
          buf.limit((int) Math.min(buf.capacity(), size - written));
          int n = src.read(buf);
          if (n < 0) {
            throw new FsException(FsError.IO, "blob source ended after " + written + " of " + size + " bytes");
          }
          buf.flip();
          sha.update(buf.duplicate());
          while (buf.hasRemaining()) {
            out.write(buf);
          }
          written += n;
        }
        out.force(true);
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      Path target = path(hex);
      if (Files.exists(target)) {
        Files.delete(temp);
      } else {
        Files.createDirectories(target.getParent());
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          Files.deleteIfExists(temp);
          if (!Files.exists(target)) {
            throw e;
          }
        }
      }
      return BlobRef.of(hex);
    } catch (IOException e) {
      deleteQuietly(temp);
      throw DiskErrors.map("store blob in " + dir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Takes a sealed cache file by hard link when it is on the same filesystem: the bytes are read once (to name the
   * blob) and forced, never written a second time. Elsewhere, or when the link fails, it is copied as {@link #put}
   * does. The caller never writes the file again (see {@link BlobStore#putFile}).
   */
  @Override
  public BlobRef putFile(Path file, long size) throws FsException {
    try {
      if (Files.size(file) != size) {
        return BlobStore.super.putFile(file, size);
      }
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(COPY_BUFFER, Math.max(size, 1)));
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
        in.force(true); // a blob is durable when put returns: its bytes, here, then its name below
      }
      String hex = HexFormat.of().formatHex(sha.digest());
      Path target = path(hex);
      if (Files.exists(target)) {
        return BlobRef.of(hex);
      }
      Files.createDirectories(target.getParent());
      try {
        Files.createLink(target, file);
      } catch (FileAlreadyExistsException raced) {
        return BlobRef.of(hex); // the same content, stored by a concurrent put
      } catch (IOException | UnsupportedOperationException notHere) {
        return BlobStore.super.putFile(file, size); // another filesystem, or links not allowed: copy
      }
      if (target.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------")); // blobs are plaintext
      }
      try (FileChannel d = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
        d.force(true);
      }
      return BlobRef.of(hex);
    } catch (IOException e) {
      throw DiskErrors.map("store blob in " + dir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public int read(BlobRef ref, long offset, ByteBuffer dst) throws FsException {
    Path p = existing(ref);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      int total = 0;
      long pos = offset;
      while (dst.hasRemaining()) {
        int n = ch.read(dst, pos);
        if (n <= 0) {
          break;
        }
        total += n;
        pos += n;
      }
      return total;
    } catch (NoSuchFileException e) {
      throw new FsException(FsError.NOT_FOUND, "no blob " + ref + " in " + dir);
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read blob " + ref + ": " + e.getMessage(), e);
    }
  }

  @Override
  public long size(BlobRef ref) throws FsException {
    try {
      return Files.size(existing(ref));
    } catch (NoSuchFileException e) {
      throw new FsException(FsError.NOT_FOUND, "no blob " + ref + " in " + dir);
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot stat blob " + ref + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void release(BlobRef ref) throws FsException {
    if (!REF.matcher(ref.value()).matches()) {
      return;
    }
    try {
      Files.deleteIfExists(path(ref.value()));
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot delete blob " + ref + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Set<BlobCapability> capabilities() {
    return EnumSet.of(BlobCapability.RANGE_READ, BlobCapability.DEDUPLICATING, BlobCapability.IMMEDIATE_RELEASE);
  }

  @Override
  public long availableBytes() throws FsException {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read free space of " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {}

  private Path existing(BlobRef ref) throws FsException {
    if (!REF.matcher(ref.value()).matches()) {
      throw new FsException(FsError.NOT_FOUND, "blob " + ref + " is not a local blob reference");
    }
    return path(ref.value());
  }

  private Path path(String hex) {
    return dir.resolve(hex.substring(0, 2)).resolve(hex);
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // the temp directory is ours; a leftover temp file is harmless
    }
  }
}
