package org.truckeefs.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalLong;

/**
 * {@code <data_dir>/run/mount-<hash of the mount point>.pid}: lets {@code truckeefs umount} wait for the mount
 * process to finish flushing, and {@code status} list what this data directory serves.
 */
final class PidFile implements AutoCloseable {
  private final Path file;

  private PidFile(Path file) {
    this.file = file;
  }

  static PidFile create(Path dataDir, Path mountPoint) throws IOException {
    Path f = path(dataDir, mountPoint);
    PrivateFiles.create(f);
    Files.writeString(f, ProcessHandle.current().pid() + "\n" + mountPoint + "\n", StandardCharsets.UTF_8);
    return new PidFile(f);
  }

  static OptionalLong read(Path dataDir, Path mountPoint) {
    try {
      String first = Files.readAllLines(path(dataDir, mountPoint)).get(0).trim();
      return OptionalLong.of(Long.parseLong(first));
    } catch (IOException | RuntimeException e) {
      return OptionalLong.empty();
    }
  }

  static Path path(Path dataDir, Path mountPoint) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256").digest(mountPoint.toString().getBytes(StandardCharsets.UTF_8));
      return dataDir.resolve("run").resolve("mount-" + HexFormat.of().formatHex(h, 0, 8) + ".pid");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // a stale pid file only makes umount skip the wait
    }
  }
}
