package org.truckeefs.core;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BlobCapability;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;

/**
 * Metadata backups kept by the blob store ({@link BlobCapability#BACKUPS}; for Tahoe, files under rootcap at
 * {@code .truckeefs/backups/<UTC timestamp>.json}): a {@link MetadataDump} written to a spool file in the data
 * directory (so the dump's consistency gate is not held during the upload), stored under a timestamp name, and
 * the oldest deleted beyond {@code backup_keep}. {@link RiverFS#backupNow} takes one; RiverFS also takes one every
 * {@code backup_interval}. {@link #restore} rebuilds an empty metadata store from one.
 *
 * <p>Every host sharing a filesystem takes its own scheduled backups; each is consistent for what its host did.
 * A backup refers to blobs by reference: blobs released after the backup (and on Tahoe, blobs whose leases were
 * no longer renewed) may be gone when an old backup is restored, so restore the newest one.
 */
public final class MetadataBackup {
  /** Setting {@code backup_interval}: how often to back up; 0 turns scheduled backups off. */
  static final String INTERVAL_KEY = "backup_interval";
  static final Duration DEFAULT_INTERVAL = Duration.ofDays(1);
  /** Setting {@code backup_keep}: how many backups to keep. */
  static final String KEEP_KEY = "backup_keep";
  static final int DEFAULT_KEEP = 7;
  private static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH-mm-ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final Logger log = LoggerFactory.getLogger(MetadataBackup.class);

  /** Writes the dump to the given stream, holding off changes meanwhile. */
  @FunctionalInterface
  interface Dumper {
    long dump(OutputStream out) throws FsException;
  }

  private MetadataBackup() {}

  static boolean supported(BlobStore blobs) {
    return blobs.capabilities().contains(BlobCapability.BACKUPS);
  }

  static void validate(BackendConfig config) throws FsException {
    interval(config);
    keep(config);
  }

  static Duration interval(BackendConfig config) throws FsException {
    Duration d = config.getDuration(INTERVAL_KEY, DEFAULT_INTERVAL);
    if (d.isNegative()) {
      throw new FsException(FsError.INVALID, "setting " + INTERVAL_KEY + " must not be negative (0 turns it off)");
    }
    return d;
  }

  static int keep(BackendConfig config) throws FsException {
    int keep = config.getInt(KEEP_KEY, DEFAULT_KEEP);
    if (keep < 1) {
      throw new FsException(FsError.INVALID, "setting " + KEEP_KEY + " = " + keep + " must be at least 1");
    }
    return keep;
  }

  /** Dumps, stores under a new timestamp name, deletes the oldest beyond {@code keep}; returns the new name. */
  static String take(BlobStore blobs, Path spoolDir, Clock clock, int keep, Dumper dumper) throws FsException {
    if (!supported(blobs)) {
      throw new FsException(FsError.UNSUPPORTED, "the blob store does not keep metadata backups");
    }
    String name = NAME.format(clock.instant()) + ".json";
    Path spool = null;
    try {
      Files.createDirectories(spoolDir);
      spool = Files.createTempFile(spoolDir, "metadata-backup-", ".json");
      long inodes;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(spool))) {
        inodes = dumper.dump(out);
      }
      try (FileChannel in = FileChannel.open(spool, StandardOpenOption.READ)) {
        blobs.storeBackup(name, in, in.size());
      }
      List<String> all = blobs.listBackups();
      for (int i = 0; i < all.size() - keep; i++) {
        blobs.deleteBackup(all.get(i));
      }
      log.info("metadata backup {} stored ({} inodes)", name, inodes);
      return name;
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot spool the metadata backup in " + spoolDir + ": " + e.getMessage(), e);
    } finally {
      if (spool != null) {
        try {
          Files.deleteIfExists(spool);
        } catch (IOException e) {
          log.warn("cannot delete backup spool file {}: {}", spool.getFileName(), e.toString());
        }
      }
    }
  }

  /** For the scheduler: a failed backup is logged and tried again at the next interval. */
  static void takeLogged(BlobStore blobs, Path spoolDir, Clock clock, int keep, Dumper dumper) {
    try {
      take(blobs, spoolDir, clock, keep, dumper);
    } catch (FsException | RuntimeException e) {
      log.warn("scheduled metadata backup failed (next try in one interval): {}", e.getMessage());
    }
  }

  /** The stored backups, oldest first. */
  public static List<String> list(BlobStore blobs) throws FsException {
    return blobs.listBackups();
  }

  /**
   * Restores the backup {@code name} into {@code target}, which must be empty. Open a RiverFS on {@code target} and
   * the same blob store afterwards.
   *
   * @return the number of inodes restored
   */
  public static long restore(BlobStore blobs, String name, MetadataStore target, MetadataDump.Progress progress)
      throws FsException {
    try (InputStream in = new BufferedInputStream(blobs.openBackup(name))) {
      return MetadataDump.restore(in, target, progress);
    } catch (FsException e) {
      throw e;
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot read metadata backup " + name + ": " + e.getMessage(), e);
    }
  }
}
