package org.truckeefs.sql;

import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.Ticker;
import org.truckeefs.testkit.RequiredService;

/** Test fixtures: contexts, SQLite files and throw-away MariaDB databases on the local server. */
final class TestBackends {
  static final String MARIADB_HOST = "127.0.0.1";
  static final int MARIADB_PORT = 3306;
  private static final ScheduledExecutorService SCHEDULER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "test-scheduler");
    t.setDaemon(true);
    return t;
  });

  private TestBackends() {}

  static BackendContext context(Path dataDir) {
    return new BackendContext("test", dataDir, Clock.systemUTC(), Ticker.system(), SCHEDULER);
  }

  static MetadataStore sqlite(Path file) throws FsException {
    return new SqliteMetadataStoreProvider().create(URI.create("sqlite:" + file.toAbsolutePath()),
        BackendConfig.empty(), context(file.getParent()));
  }

  static URI mariaDbUri(String database) {
    return URI.create("mariadb://" + MARIADB_HOST + ":" + MARIADB_PORT + "/" + database);
  }

  static MetadataStore mariaDb(String database) throws FsException {
    return mariaDb(database, Map.of("sql_user", "root", "sql_pass", ""));
  }

  static MetadataStore mariaDb(String database, Map<String, String> settings) throws FsException {
    return new MariaDbMetadataStoreProvider().create(mariaDbUri(database), BackendConfig.of(settings),
        context(Path.of(System.getProperty("java.io.tmpdir"))));
  }

  /** Creates an empty database named {@code tfs_<random>} (after checking that MariaDB is there). */
  static String createMariaDbDatabase() throws SQLException {
    RequiredService.requireMariaDb();
    String name = "tfs_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    admin("CREATE DATABASE " + name);
    return name;
  }

  static void dropMariaDbDatabase(String name) throws SQLException {
    if (name != null) {
      admin("DROP DATABASE IF EXISTS " + name);
    }
  }

  static void admin(String sql) throws SQLException {
    try (Connection c = adminConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  static Connection adminConnection() throws SQLException {
    return DriverManager.getConnection("jdbc:mariadb://" + MARIADB_HOST + ":" + MARIADB_PORT + "/test", "root", "");
  }
}
