package org.truckeefs.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The identity of a cache directory, kept in {@code <cache_dir>/host-id}. The commit marks of its write-back journal
 * are owned by it, so a RiverFS restarted on the same cache tells which of its journaled uploads committed (and never
 * reads another host's).
 */
final class HostId {
  static final String FILE = "host-id";

  private HostId() {}

  static String load(Path cacheDir) throws FsException {
    Path f = cacheDir.resolve(FILE);
    try {
      if (Files.exists(f)) {
        String id = Files.readString(f, StandardCharsets.UTF_8).trim();
        if (id.matches("[A-Za-z0-9-]{8,64}")) {
          return id;
        }
        throw new FsException(FsError.IO, f + " does not hold a host id; delete it only if no upload is pending");
      }
      String id = UUID.randomUUID().toString();
      Path tmp = cacheDir.resolve(FILE + ".tmp");
      Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE);
      return id;
    } catch (IOException e) {
      if (e instanceof FsException fe) {
        throw fe;
      }
      throw new FsException(FsError.IO, "cannot read or create " + f + ": " + e.getMessage(), e);
    }
  }
}
