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
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/**
 * Blobs as files named by the SHA-256 of their content ({@code <dir>/ab/abcdef...}), so identical content is
 * stored once. A put streams into a temp file, forces it to disk and renames it into place atomically: a crash
 * leaves at most a temp file, never a half-written blob under its final name. A blob is durable, bytes and name,
 * when a put returns; see {@link #putFile(Path, long, byte[])} for the order that makes it so.
 */
final class LocalBlobStore implements BlobStore {
  private static final Pattern REF = Pattern.compile("[0-9a-f]{64}");
  private static final int COPY_BUFFER = 256 * 1024;

  private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  private final Path tmp;
  private final boolean posix;
  private final DirSync dirSync;
  /** Names being made by a put of this store and not yet forced (a count per name: concurrent puts of one content). */
  private final ConcurrentHashMap<String, Integer> unforced = new ConcurrentHashMap<>();
  /** Fan-out directories forced since this store opened; guarded by itself. */
  private final BitSet forcedFanOuts = new BitSet(256);

  LocalBlobStore(Path dir) throws FsException {
    this(dir, DirSync::forceNow);
  }

  /** @param dirForcer forces one directory (a seam for tests) */
  LocalBlobStore(Path dir, DirSync.Forcer dirForcer) throws FsException {
    this.dir = dir;
    this.dirSync = new DirSync(dirForcer);
    this.tmp = dir.resolve("tmp");
    this.posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
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
        awaitDurableName(hex, target);
      } else {
        publish(hex, target, () -> {
          try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
          } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            if (!Files.exists(target)) {
              throw e;
            }
          }
          return true;
        });
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
   * Takes a sealed cache file by hard link when it is on the same filesystem: the bytes are never written a second
   * time, and read only to name the blob when the caller does not know their digest. Elsewhere, or when the link
   * fails, it is copied as {@link #put} does. The caller never writes the file again (see {@link BlobStore#putFile}).
   */
  @Override
  public BlobRef putFile(Path file, long size) throws FsException {
    return putFile(file, size, null);
  }

  /**
   * The durability order (why a blob's name never points at bytes a power loss can take, and why the caller may
   * commit a reference to it once this returns):
   *
   * <ol>
   *   <li>The file's data is forced ({@code fdatasync}: the bytes and the size/extents needed to read them) while
   *       it still has only its cache name. A name in the blob directory therefore always means durable bytes,
   *       which is what lets a later put of the same content trust an existing name (deduplication).
   *   <li>Only then is the blob name made (hard link), and the fan-out directory (and a new fan-out directory's
   *       parent) is forced, through {@link DirSync}: concurrent puts share one round of directory forces, on a
   *       journaling filesystem about one journal commit for all of them.
   *   <li>A put that finds the name already there (the same content, put earlier or concurrently) returns at once
   *       only when the name is known durable: no put of this store is between making it and forcing it, and its
   *       fan-out directory was forced since this store opened (an earlier process may have died between the two).
   *       Otherwise it waits for a directory force of its own. Its bytes are durable by step 1.
   *   <li>The caller's metadata commit names the blob after this returns, so the commit can never become durable
   *       before the blob it names.
   * </ol>
   *
   * @param sha256 the caller's digest of the file's bytes, or null to read and hash them here
   */
  @Override
  public BlobRef putFile(Path file, long size, byte[] sha256) throws FsException {
    try {
      if (Files.size(file) != size) {
        return BlobStore.super.putFile(file, size);
      }
      String hex;
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        hex = sha256 != null && sha256.length == 32 ? HexFormat.of().formatHex(sha256) : hash(in, size);
        Path target = path(hex);
        if (Files.exists(target)) {
          awaitDurableName(hex, target); // its bytes were forced before its name was made (step 1)
          return BlobRef.of(hex);
        }
        if (posix && !Files.getPosixFilePermissions(file).equals(OWNER_RW)) {
          // before the force, so the mode change rides in the same journal commit; blobs are plaintext
          Files.setPosixFilePermissions(file, OWNER_RW);
        }
        in.force(false); // step 1: durable bytes before any durable name
      }
      Path target = path(hex);
      boolean linked = publish(hex, target, () -> {
        try {
          Files.createLink(target, file);
        } catch (FileAlreadyExistsException raced) {
          // the same content, linked by a concurrent put: its force covers ours, or ours covers it
        } catch (IOException | UnsupportedOperationException notHere) {
          return false;
        }
        return true;
      });
      // on another filesystem, or where links are not allowed: copy
      return linked ? BlobRef.of(hex) : BlobStore.super.putFile(file, size);
    } catch (IOException e) {
      throw DiskErrors.map("store blob in " + dir, e);
    }
  }

  /** Makes a blob's name; false when it cannot here (the caller then copies). */
  private interface NameMaker {
    boolean make() throws IOException;
  }

  /**
   * Step 2: makes the name, then forces its fan-out directory (and a new fan-out directory's parent). The name is
   * marked unforced from before it exists until its force returned, for step 3.
   */
  private boolean publish(String hex, Path target, NameMaker maker) throws IOException {
    boolean newFanOut = !Files.isDirectory(target.getParent());
    if (newFanOut) {
      Files.createDirectories(target.getParent());
    }
    unforced.merge(hex, 1, Integer::sum);
    try {
      if (!maker.make()) {
        return false;
      }
      if (newFanOut) {
        dirSync.force(dir);
      }
      forceFanOut(target.getParent());
      return true;
    } finally {
      unforced.computeIfPresent(hex, (k, n) -> n == 1 ? null : n - 1);
    }
  }

  /**
   * Step 3: an existing name is durable once no put of this store is between making it and forcing it, and its
   * fan-out directory was forced once since this store opened (a name made by an earlier process that died before
   * its force is still only in the page cache). Otherwise wait for a directory force of our own.
   */
  private void awaitDurableName(String hex, Path target) throws IOException {
    boolean forcedOnce;
    synchronized (forcedFanOuts) {
      forcedOnce = forcedFanOuts.get(fanOut(hex));
    }
    if (unforced.containsKey(hex) || !forcedOnce) {
      forceFanOut(target.getParent());
    }
  }

  private void forceFanOut(Path fanOutDir) throws IOException {
    dirSync.force(fanOutDir);
    int i = Integer.parseInt(fanOutDir.getFileName().toString(), 16);
    synchronized (forcedFanOuts) {
      forcedFanOuts.set(i);
    }
  }

  private static int fanOut(String hex) {
    return Integer.parseInt(hex.substring(0, 2), 16);
  }

  private static String hash(FileChannel in, long size) throws IOException {
    MessageDigest sha = sha256();
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
    return HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
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
    return EnumSet.of(BlobCapability.RANGE_READ, BlobCapability.DEDUPLICATING, BlobCapability.IMMEDIATE_RELEASE,
        BlobCapability.SHA256_NAMES);
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
