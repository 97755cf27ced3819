package org.truckeefs.sql;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.truckeefs.api.FsException;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;

/** RiverFS in-process with this module's store (found by ServiceLoader), local blobs and local coordination. */
final class RiverFsOnSql {
  private RiverFsOnSql() {}

  static RiverFS open(URI metadata, Path dir) throws FsException {
    return RiverFS.open(config(metadata, dir).build());
  }

  /**
   * Like {@link #open}, with the blob collector running every 50 ms and no grace period, so blobs an unlink
   * released leave the blob directory within a test's patience.
   */
  static RiverFS openCollecting(URI metadata, Path dir) throws FsException {
    return RiverFS.open(config(metadata, dir).blobGcGrace(Duration.ZERO).blobGcInterval(Duration.ofMillis(50)).build());
  }

  /** Blobs in the local blob directory (content-addressed files named by 64 hex digits; temp files excluded). */
  static long countBlobs(Path dir) throws IOException {
    Path blobs = dir.resolve("blobs");
    if (!Files.isDirectory(blobs)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(blobs)) {
      return s.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")).count();
    }
  }

  private static RiverFsConfig.Builder config(URI metadata, Path dir) throws FsException {
    return RiverFsConfig.builder()
        .backends(Backends.discover())
        .backendConfig(BackendConfig.of(Map.of("sql_user", "root", "sql_pass", "")))
        .metadataUri(metadata)
        .blobUri(URI.create("local:" + dir.resolve("blobs").toAbsolutePath()))
        .coordinatorUri("local:")
        .dataDir(dir)
        .cacheDir(dir.resolve("cache"))
        .chunkSize(RiverFsConfig.MIN_CHUNK_SIZE);
  }

  static URI sqlite(Path dir) {
    return URI.create("sqlite:" + dir.resolve("metadata.db").toAbsolutePath());
  }

  /** Empties every table of a test database, so each suite test starts from a fresh filesystem. */
  static void emptyMariaDb(String database) throws Exception {
    try (Connection c = TestBackends.adminConnection(); Statement s = c.createStatement()) {
      for (String table : new String[] {"dentry", "xattr", "chunk", "blob_ref", "upload_journal", "tx_marker", "commit_mark", "sync_mark", "inode"}) {
        s.execute("DELETE FROM " + database + "." + table);
      }
    }
  }
}
