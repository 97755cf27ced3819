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
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.regex.Pattern;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.DiskWriteback;

/**
 * Blobs as files named by the SHA-256 of their content ({@code <dir>/ab/abcdef...}), so identical content is
 * stored once. A put streams into a temp file and renames it into place atomically, or takes a sealed cache file by
 * hard link: a crash leaves at most a temp file, never a half-written blob under its final name as far as any
 * process sees. A put does not force anything: a blob is durable once {@link #sync} returns (fsync, syncfs and the
 * blob collector call it), and at most {@link PendingBlobs#MAX_AGE} or {@link PendingBlobs#MAX_BYTES} after its put
 * by the background flush; see {@link #putFile(Path, long, byte[])} for why this order is safe.
 */
final class LocalBlobStore implements BlobStore {
  private static final Pattern REF = Pattern.compile("[0-9a-f]{64}");
  private static final int COPY_BUFFER = 256 * 1024;

  private static final Set<PosixFilePermission> OWNER_RW = PosixFilePermissions.fromString("rw-------");

  private final Path dir;
  /** Where puts write before they rename into place: a subdirectory of the blob directory (same filesystem). */
  static final String TMP = "tmp";

  private final Path tmp;
  private final boolean posix;
  private final PendingBlobs pending;

  /** A store without a background flush: only {@link #sync} forces (tools, tests). */
  LocalBlobStore(Path dir) throws FsException {
    this(dir, DirSync::forceNow, PendingBlobs::fdatasync, null);
  }

  /**
   * A store whose background flush runs on {@code scheduler} (the filesystem's) and whose barriers start every
   * pending blob's disk write through {@code writeback} before they wait for each.
   */
  LocalBlobStore(Path dir, ScheduledExecutorService scheduler, DiskWriteback writeback) throws FsException {
    this(dir, DirSync::forceNow, PendingBlobs::fdatasync, scheduler, PendingBlobs.MAX_AGE, PendingBlobs.MAX_BYTES,
        writeback);
  }

  /**
   * @param dirForcer forces one directory (a seam for tests)
   * @param dataForcer forces one file's data (a seam for tests)
   * @param scheduler runs the background flush; null for none
   */
  LocalBlobStore(Path dir, DirSync.Forcer dirForcer, PendingBlobs.DataForcer dataForcer,
      ScheduledExecutorService scheduler) throws FsException {
    this(dir, dirForcer, dataForcer, scheduler, PendingBlobs.MAX_AGE, PendingBlobs.MAX_BYTES);
  }

  LocalBlobStore(Path dir, DirSync.Forcer dirForcer, PendingBlobs.DataForcer dataForcer,
      ScheduledExecutorService scheduler, Duration maxAge, long maxBytes) throws FsException {
    this(dir, dirForcer, dataForcer, scheduler, maxAge, maxBytes, DiskWriteback.NONE);
  }

  LocalBlobStore(Path dir, DirSync.Forcer dirForcer, PendingBlobs.DataForcer dataForcer,
      ScheduledExecutorService scheduler, Duration maxAge, long maxBytes, DiskWriteback writeback)
      throws FsException {
    this.dir = dir;
    this.pending = new PendingBlobs(dir, dataForcer, new DirSync(dirForcer), scheduler, maxAge, maxBytes,
        writeback);
    this.tmp = dir.resolve(TMP);
    this.posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw DiskErrors.map("create blob directory " + dir, e);
    }
  }

  @Override
  public BlobRef put(ReadableByteChannel src, long size) throws FsException {
    return put(src, size, null);
  }

  /** @param knownHex the bytes' SHA-256 in hex when the caller hashed them, else null (hashed while copied) */
  private BlobRef put(ReadableByteChannel src, long size, String knownHex) throws FsException {
    Path temp = tmp.resolve(UUID.randomUUID() + ".tmp");
    try {
      MessageDigest sha = knownHex == null ? RunningHash.newSha256() : null;
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
          if (sha != null) {
            sha.update(buf.duplicate());
          }
          while (buf.hasRemaining()) {
            out.write(buf);
          }
          written += n;
        }
      }
      String hex = sha == null ? knownHex : HexFormat.of().formatHex(sha.digest());
      Path target = path(hex);
      if (reusable(hex, target, size)) {
        Files.delete(temp);
      } else {
        publish(hex, target, size, () -> {
          try {
            // replaces a torn blob of the same name (see reusable); a rename is atomic either way
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
    }
  }

  /**
   * Bytes already in memory are hashed first, so content this store holds already costs no file at all (a small
   * file written again, or the same bytes in many files); new content is written as {@link #put} writes it.
   */
  @Override
  public BlobRef putBytes(ByteBuffer bytes) throws FsException {
    return putBytes(bytes, null);
  }

  /** As {@link #putBytes(ByteBuffer)}, without hashing the bytes again when the caller did. */
  @Override
  public BlobRef putBytes(ByteBuffer bytes, byte[] sha256) throws FsException {
    String hex = nameOf(sha256).map(BlobRef::value).orElseGet(() -> {
      MessageDigest sha = RunningHash.newSha256();
      sha.update(bytes.duplicate());
      return HexFormat.of().formatHex(sha.digest());
    });
    try {
      if (reusable(hex, path(hex), bytes.remaining())) {
        return BlobRef.of(hex);
      }
    } catch (IOException e) {
      throw DiskErrors.map("store blob in " + dir, e);
    }
    return put(BlobStore.readerOf(bytes), bytes.remaining(), hex);
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
   * Why a put may return without forcing, and what keeps a power loss from corrupting more than the unsynced:
   *
   * <ol>
   *   <li>The name is made atomically over complete bytes (a hard link of the sealed cache file, or the rename of
   *       {@link #put}'s temp file) and remembered as pending; nothing is forced. A process crash loses nothing:
   *       the page cache holds the bytes and the name.
   *   <li>{@link #sync} forces every pending blob's data, then their fan-out directories (and a fan-out directory's
   *       own name, once per store) in one group round. Core calls it before it makes a metadata commit durable on
   *       request (fsync, fdatasync, syncfs: their commit then never names bytes a power loss can take) and before
   *       the blob collector deletes blobs (an old blob never vanishes while the commit that replaced it, or the
   *       new blob, may still be lost). The background flush calls it within {@link PendingBlobs#MAX_AGE} or
   *       {@link PendingBlobs#MAX_BYTES}, which bounds the power-loss window of what was closed and never synced.
   *   <li>A put that finds its name already there does not trust it blindly, since a name no longer implies
   *       durable bytes ({@link #reusable}).
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
      }
      Path target = path(hex);
      if (reusable(hex, target, size)) {
        return BlobRef.of(hex);
      }
      if (posix && !Files.getPosixFilePermissions(file).equals(OWNER_RW)) {
        Files.setPosixFilePermissions(file, OWNER_RW); // blobs are plaintext
      }
      boolean linked = publish(hex, target, size, () -> {
        if (!Files.exists(target)) {
          try {
            Files.createLink(target, file);
            return true;
          } catch (FileAlreadyExistsException raced) {
            return true; // the same content, linked by a concurrent put of this store: complete, and pending
          } catch (IOException | UnsupportedOperationException notHere) {
            return false;
          }
        }
        // a torn blob to replace: link under a temp name, then rename over it atomically
        Path temp = tmp.resolve(UUID.randomUUID() + ".link");
        try {
          Files.createLink(temp, file);
        } catch (IOException | UnsupportedOperationException notHere) {
          return false;
        }
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } finally {
          Files.deleteIfExists(temp);
        }
        return true;
      });
      // on another filesystem, or where links are not allowed: copy
      return linked ? BlobRef.of(hex) : BlobStore.super.putFile(file, size);
    } catch (IOException e) {
      throw DiskErrors.map("store blob in " + dir, e);
    }
  }

  /** A name this store made, or one on its disk (a put would weigh it in {@link #reusable}, by its size). */
  @Override
  public boolean holds(byte[] sha256) {
    if (sha256 == null || sha256.length != 32) {
      return false;
    }
    String hex = HexFormat.of().formatHex(sha256);
    return pending.isPending(hex) || pending.isDurable(hex) || Files.exists(path(hex));
  }

  /** A blob's reference is the hex of its bytes' SHA-256. */
  @Override
  public Optional<BlobRef> nameOf(byte[] sha256) {
    return sha256 == null || sha256.length != 32 ? Optional.empty()
        : Optional.of(BlobRef.of(HexFormat.of().formatHex(sha256)));
  }

  /** Makes a blob's name; false when it cannot here (the caller then copies). */
  private interface NameMaker {
    boolean make() throws IOException;
  }

  /** Makes the name (creating its fan-out directory if needed), then remembers it as pending. */
  private boolean publish(String hex, Path target, long size, NameMaker maker) throws IOException {
    if (!Files.isDirectory(target.getParent())) {
      Files.createDirectories(target.getParent());
    }
    if (!maker.make()) {
      return false;
    }
    pending.add(hex, target, size);
    return true;
  }

  /**
   * Whether a put may return an existing name instead of making it (deduplication). A name that is pending is
   * covered by the next barrier like the put's own would be; a name a barrier of this store forced is durable.
   * Any other name may come from an earlier process, or from before a power loss that took its bytes but not its
   * name (a rename or link can reach the journal before the data): it is reused only when its size is the
   * content's, and it becomes pending so the next barrier forces it (cheap when it is clean already). A torn blob
   * (on ext4 after a power loss: zero-length or short, since data=ordered and XFS only make a size durable after
   * the data it covers) is replaced, atomically, by the caller's bytes. The size check does not catch a blob of
   * the right size with wrong bytes, which only a filesystem that writes metadata before data (ext4
   * data=writeback) can leave; reading every blob back to hash it would cost a chunk's read per dedup hit.
   */
  private boolean reusable(String hex, Path target, long size) throws IOException {
    if (pending.isPending(hex) || pending.isDurable(hex)) {
      return true;
    }
    long existing;
    try {
      existing = Files.size(target);
    } catch (NoSuchFileException absent) {
      return false;
    }
    if (existing != size) {
      return false;
    }
    pending.add(hex, target, size);
    return true;
  }

  /** Forces every pending blob (see {@link #putFile(Path, long, byte[])}); all of them, not only one file's. */
  @Override
  public void sync() throws FsException {
    try {
      pending.barrier();
    } catch (IOException e) {
      throw DiskErrors.map("force blobs in " + dir, e);
    }
  }

  /** Bytes put and not yet forced (for tests and status). */
  long pendingBytes() {
    return pending.pendingBytes();
  }

  private static String hash(FileChannel in, long size) throws IOException {
    return HexFormat.of().formatHex(RunningHash.sha256(in, size));
  }

  /** Blobs are files here: reading one costs what reading a cache file costs (see {@link ChunkCache#adoptBytes}). */
  @Override
  public Optional<Path> localFile(BlobRef ref) throws FsException {
    return Optional.of(existing(ref));
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
      pending.forget(ref.value());
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot delete blob " + ref + ": " + e.getMessage(), e);
    }
  }

  @Override
  public Set<BlobCapability> capabilities() {
    return EnumSet.of(BlobCapability.RANGE_READ, BlobCapability.DEDUPLICATING, BlobCapability.IMMEDIATE_RELEASE,
        BlobCapability.SHA256_NAMES, BlobCapability.LOCAL_DISK);
  }

  @Override
  public long availableBytes() throws FsException {
    try {
      return Files.getFileStore(dir).getUsableSpace();
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read free space of " + dir + ": " + e.getMessage(), e);
    }
  }

  /** A clean close leaves every blob durable, as unmounting a local filesystem does. */
  @Override
  public void close() throws FsException {
    pending.close();
    sync();
  }

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
