package org.truckeefs.sql;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.truckeefs.api.FsException;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.spi.BackendConfig;

/** RiverFS in-process with this module's store (found by ServiceLoader), local blobs and local coordination. */
final class RiverFsOnSql {
  private RiverFsOnSql() {}

  static RiverFS open(URI metadata, Path dir) throws FsException {
    return RiverFS.open(RiverFsConfig.builder()
        .backends(Backends.discover())
        .backendConfig(BackendConfig.of(Map.of("sql_user", "root", "sql_pass", "")))
        .metadataUri(metadata)
        .blobUri(URI.create("local:" + dir.resolve("blobs").toAbsolutePath()))
        .coordinatorUri("local:")
        .dataDir(dir)
        .cacheDir(dir.resolve("cache"))
        .chunkSize(RiverFsConfig.MIN_CHUNK_SIZE)
        .build());
  }

  static URI sqlite(Path dir) {
    return URI.create("sqlite:" + dir.resolve("metadata.db").toAbsolutePath());
  }

  /** Empties every table of a test database, so each suite test starts from a fresh filesystem. */
  static void emptyMariaDb(String database) throws Exception {
    try (Connection c = TestBackends.adminConnection(); Statement s = c.createStatement()) {
      for (String table : new String[] {"dentry", "xattr", "chunk", "blob_ref", "upload_journal", "tx_marker", "inode"}) {
        s.execute("DELETE FROM " + database + "." + table);
      }
    }
  }
}
