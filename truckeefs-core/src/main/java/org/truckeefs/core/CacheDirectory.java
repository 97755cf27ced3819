package org.truckeefs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.BlobStore;

/**
 * The cache directory on disk, as {@link ChunkCache} lays it out: {@code chunks/<key>} holds a clean chunk whose
 * blob reference is in {@code chunks/<key>.ref} ({@code <key>} is the SHA-256 of the reference, so a Tahoe
 * capability never appears in a file name), {@code chunks/<key>.part} a chunk being fetched, {@code dirty/} the
 * dirty chunks of open files. Both subdirectories are 0700: they hold plaintext. This class makes the directories,
 * names and reads the ref files, places a clean chunk's file, and indexes what an earlier run left; the cache
 * itself owns the live state.
 */
final class CacheDirectory {
  private static final Logger log = LoggerFactory.getLogger(CacheDirectory.class);
  /** The suffix of a chunk being fetched (its block map is in memory only). */
  static final String PART = ".part";
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  private CacheDirectory() {}

  /** The complete chunks an earlier run left, and the bytes of the clean and the dirty ones. */
  record Index(Map<BlobRef, CacheEntry> entries, long cleanBytes, long dirtyBytes) {}

  /** Makes (or checks) the cache directory and its two subdirectories. */
  static void prepare(Path root) throws IOException {
    PrivateDirectory.prepare(root, "cache_dir"); // checked, never chmod-ed: it may be the user's own directory
    ownerOnlyDirectory(root.resolve("chunks"));
    ownerOnlyDirectory(root.resolve("dirty"));
  }

  /**
   * Indexes the complete chunks in {@code chunkDir} (stamped as used at {@code now}) and deletes what no entry can
   * use: partly fetched chunks, temp files, ref files without data or not matching their name, data without a ref
   * file. Counts the bytes of the dirty files, which recovery keeps or deletes.
   */
  static Index load(Path chunkDir, Path dirtyDir, long now) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(chunkDir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.endsWith(PART) || name.endsWith(".tmp")) {
          Files.deleteIfExists(p); // partly fetched: its block map was in memory only
        }
      }
    }
    Map<BlobRef, CacheEntry> entries = new HashMap<>();
    long clean = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(chunkDir, "*.ref")) {
      for (Path refFile : ds) {
        String key = refFile.getFileName().toString().replace(".ref", "");
        Path data = chunkDir.resolve(key);
        if (!Files.exists(data)) {
          Files.deleteIfExists(refFile);
          continue;
        }
        BlobRef ref = readRefFile(refFile, key);
        if (ref == null) {
          Files.deleteIfExists(refFile); // its data file goes below: no entry names it
          continue;
        }
        long len = Files.size(data);
        CacheEntry e = new CacheEntry(ref, key, len, data, true);
        e.lastAccess = now;
        entries.put(ref, e);
        clean += len;
      }
    }
    Set<String> keys = new HashSet<>();
    entries.values().forEach(e -> keys.add(e.key));
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(chunkDir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (!name.endsWith(".ref") && !keys.contains(name)) {
          Files.deleteIfExists(p);
        }
      }
    }
    long dirty = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirtyDir)) {
      for (Path p : ds) {
        dirty += Files.size(p);
      }
    }
    return new Index(entries, clean, dirty);
  }

  /** A blob's file name in {@code chunks/}: the SHA-256 of its reference. */
  static String key(BlobRef ref) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(ref.value().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Written in place, not through a temp file and a rename (one file operation less per uploaded chunk): the key is
   * the SHA-256 of the ref, so a ref file that a crash left torn or empty no longer matches its name and is dropped
   * when the cache is opened ({@link #readRefFile}).
   */
  static void writeRefFile(Path chunkDir, String key, BlobRef ref) throws IOException {
    Files.writeString(chunkDir.resolve(key + ".ref"), ref.value(), StandardCharsets.UTF_8);
  }

  /** The ref a ref file names, or null when it does not match its name (torn by a crash, or not ours). */
  static BlobRef readRefFile(Path refFile, String key) throws IOException {
    String value = Files.readString(refFile, StandardCharsets.UTF_8);
    if (value.isEmpty()) {
      return null;
    }
    BlobRef ref = BlobRef.of(value);
    return key(ref).equals(key) ? ref : null;
  }

  /**
   * Makes {@code target} hold the blob's bytes: a hard link of its local file, else a copy of {@code bytes} (left
   * unchanged); false when {@code target} exists.
   */
  static boolean place(BlobStore blobs, BlobRef ref, ByteBuffer bytes, Path target) throws IOException {
    try {
      if (linkLocal(blobs, ref, target)) {
        return true;
      }
      try (FileChannel out = FileChannel.open(target, EnumSet.of(StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE), PrivateDirectory.fileAttributes(target))) {
        ChunkBytes.writeFully(out, bytes.duplicate(), 0);
      }
      return true;
    } catch (FileAlreadyExistsException taken) {
      return false;
    }
  }

  /**
   * Links the blob's local file as {@code target}; false when the store has none or the link is refused here.
   * Throws when {@code target} exists.
   */
  private static boolean linkLocal(BlobStore blobs, BlobRef ref, Path target) throws FileAlreadyExistsException {
    try {
      Optional<Path> local = blobs.localFile(ref);
      if (local.isEmpty()) {
        return false;
      }
      Files.createLink(target, local.get());
      return true;
    } catch (FileAlreadyExistsException taken) {
      throw taken;
    } catch (IOException | UnsupportedOperationException e) {
      return false; // another filesystem, or links not allowed: copied instead
    }
  }

  private static void ownerOnlyDirectory(Path dir) throws IOException {
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (!Files.isDirectory(dir)) {
      if (posix) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } else {
        Files.createDirectories(dir);
      }
    }
    if (posix && !Files.getPosixFilePermissions(dir).equals(OWNER_ONLY)) {
      log.warn("cache directory {} was not mode 0700 (it holds plaintext); fixing it", dir);
      Files.setPosixFilePermissions(dir, OWNER_ONLY);
    }
  }
}
