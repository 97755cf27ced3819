package org.truckeefs.sql;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.sqlite.SQLiteConfig;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;

/** Opens stores: connects (with one-line errors), pools, migrates. */
final class SqlStores {
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final Duration SQLITE_BUSY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CHECKPOINT_BUSY_TIMEOUT = Duration.ofSeconds(2);

  private SqlStores() {}

  static SqlMetadataStore openMariaDb(URI uri, BackendConfig config, BackendContext context) throws FsException {
    MariaDbTarget target = MariaDbTarget.from(uri, config);
    // Probe once by hand: a failure becomes one line naming the setting, instead of Hikari's logged stack trace.
    Properties credentials = new Properties();
    credentials.setProperty("user", target.user());
    credentials.setProperty("password", target.password());
    try (Connection probe = new org.mariadb.jdbc.Driver().connect(target.jdbcUrl(), credentials)) {
      probe.isValid(1);
    } catch (SQLException e) {
      throw SqlErrors.connectFailure(e, target);
    }
    HikariDataSource pool = mariaDbPool(target, false);
    try {
      Migrations.migrate(pool, SqlEngine.MARIADB, "database '" + target.database() + "' on " + target.hostAndPort(),
          "sql_db");
    } catch (FsException | RuntimeException e) {
      pool.close();
      throw e;
    }
    HikariDataSource readers;
    try {
      readers = mariaDbPool(target, true);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new SqlMetadataStore(new Transactor(SqlEngine.MARIADB, pool, readers, context.clock()), context.clock());
  }

  /** Writers run transactions (autocommit off); readers idle in autocommit, so a read costs one round trip. */
  private static HikariDataSource mariaDbPool(MariaDbTarget target, boolean readers) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("truckeefs-mariadb-" + (readers ? "read-" : "write-") + POOLS.incrementAndGet());
    hc.setDriverClassName(org.mariadb.jdbc.Driver.class.getName());
    hc.setJdbcUrl(target.jdbcUrl());
    hc.setUsername(target.user());
    hc.setPassword(target.password());
    hc.setMaximumPoolSize(target.poolSize());
    hc.setMinimumIdle(Math.min(2, target.poolSize()));
    hc.setAutoCommit(readers);
    hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
    hc.setConnectionTimeout(Math.max(250, target.connectTimeout().toMillis()));
    return new HikariDataSource(hc);
  }

  static SqlMetadataStore openSqlite(URI uri, BackendConfig config, BackendContext context) throws FsException {
    return openSqlite(uri, config, context, SqliteCheckpointer.PASSIVE_AFTER_WRITES, SqliteCheckpointer.PERIOD,
        SqliteCheckpointer.TRUNCATE_ABOVE_FRAMES, SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED);
  }

  /** With the checkpoint thread's thresholds ({@link SqliteCheckpointer}); tests make them small. */
  static SqlMetadataStore openSqlite(URI uri, BackendConfig config, BackendContext context, int passiveAfterWrites,
      Duration checkpointPeriod, int truncateAboveFrames) throws FsException {
    return openSqlite(uri, config, context, passiveAfterWrites, checkpointPeriod, truncateAboveFrames,
        SqliteWriter.WINDOW, SqliteWriter.MAX_UNCOMMITTED);
  }

  /** With the checkpoint thread's thresholds and the write-behind's ({@link SqliteWriter}); tests make them small. */
  static SqlMetadataStore openSqlite(URI uri, BackendConfig config, BackendContext context, int passiveAfterWrites,
      Duration checkpointPeriod, int truncateAboveFrames, Duration window, int maxUncommitted) throws FsException {
    Path file = sqlitePath(uri, context);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
    } catch (IOException e) {
      throw new FsException(FsError.IO, "cannot create the directory of the metadata file " + file + ": "
          + e.getClass().getSimpleName() + " (check data_dir)");
    }
    if (Files.exists(file) && !Files.isWritable(file)) {
      throw new FsException(FsError.ACCESS_DENIED, "the metadata file " + file + " is not writable (check data_dir)");
    }
    String url = "jdbc:sqlite:" + file.toAbsolutePath();
    int readers = config.getInt("sql_pool_size", 4);
    Path redoFile = file.resolveSibling(file.getFileName() + "-redo");
    Connection writer = null;
    RedoLog redo = null;
    HikariDataSource reader = null;
    SqliteCheckpointer checkpointer = null;
    try {
      // the redo log first: it writes 4 MiB ahead, so a full disk is told apart (ENOSPC) before SQLite's own files
      // fail with a less specific error
      redo = openRedo(redoFile);
      writer = writerConnection(url);
      if (redo.size() > 0) {
        // Before the migrations: the entries were recorded against the tables as they were.
        SqliteWriter.replay(writer, redo);
      }
      try (HikariDataSource migrator = sqlitePool(url, 1, SQLiteConfig.TransactionMode.IMMEDIATE)) {
        Migrations.migrate(migrator, SqlEngine.SQLITE, "the metadata file " + file, "data_dir");
      }
      reader = sqlitePool(url, Math.max(1, readers), SQLiteConfig.TransactionMode.DEFERRED);
      checkpointer = new SqliteCheckpointer(checkpointConnection(url), passiveAfterWrites, checkpointPeriod,
          truncateAboveFrames);
      return new SqlMetadataStore(new Transactor(writer, redo, reader, checkpointer, window, maxUncommitted),
          context.clock());
    } catch (FsException | RuntimeException e) {
      if (checkpointer != null) {
        checkpointer.close();
      }
      if (reader != null) {
        reader.close();
      }
      closeQuietly(redo);
      closeQuietly(writer);
      throw e;
    }
  }

  private static RedoLog openRedo(Path file) throws FsException {
    try {
      return RedoLog.open(file);
    } catch (IOException e) {
      if (SqlErrors.isDiskFull(e)) {
        // the log keeps 4 MiB written ahead (see RedoLog), so a full disk shows here first
        throw new FsException(FsError.NO_SPACE, "cannot open the metadata redo log " + file
            + ": no space left on the disk of data_dir (it needs 4 MiB free)");
      }
      throw new FsException(FsError.IO, "cannot open the metadata redo log " + file + ": " + e.getClass().getSimpleName()
          + " (check data_dir)");
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c != null) {
      try {
        c.close();
      } catch (Exception e) {
        // failing already
      }
    }
  }

  /** The single writer's connection, outside any pool: it holds its transaction across writes. */
  private static Connection writerConnection(String url) throws FsException {
    try {
      return sqliteConfig(SQLiteConfig.TransactionMode.IMMEDIATE).createConnection(url);
    } catch (SQLException e) {
      if (SqlErrors.isDiskFull(e)) {
        throw new FsException(FsError.NO_SPACE, "cannot open the metadata file "
            + url.substring("jdbc:sqlite:".length()) + ": no space left on the disk of data_dir");
      }
      throw new FsException(FsError.IO, "cannot open the metadata file " + url.substring("jdbc:sqlite:".length())
          + ": " + SqlErrors.describe(e) + " (check data_dir)");
    }
  }

  /** The checkpoint thread's own connection ({@link SqliteCheckpointer}), outside both pools. */
  private static java.sql.Connection checkpointConnection(String url) throws FsException {
    SQLiteConfig sc = sqliteConfig(SQLiteConfig.TransactionMode.DEFERRED);
    // A TRUNCATE checkpoint waits this long for the writer and readers, then gives up until its next round.
    sc.setBusyTimeout((int) CHECKPOINT_BUSY_TIMEOUT.toMillis());
    try {
      return sc.createConnection(url);
    } catch (SQLException e) {
      throw new FsException(FsError.IO, "cannot open the metadata file " + url.substring("jdbc:sqlite:".length())
          + " for checkpoints: " + SqlErrors.describe(e) + " (check data_dir)");
    }
  }

  static Path sqlitePath(URI uri, BackendContext context) throws FsException {
    String path = uri.isOpaque() ? uri.getSchemeSpecificPart() : uri.getPath();
    if (path == null || path.isBlank()) {
      return context.dataDir().resolve("metadata.db");
    }
    Path p = Path.of(path);
    return p.isAbsolute() ? p : context.dataDir().resolve(p);
  }

  private static SQLiteConfig sqliteConfig(SQLiteConfig.TransactionMode mode) {
    SQLiteConfig sc = new SQLiteConfig();
    sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
    // NORMAL in WAL mode: a commit survives a process crash; a power loss may lose the last commits, never the file.
    sc.setSynchronous(SQLiteConfig.SynchronousMode.NORMAL);
    sc.setBusyTimeout((int) SQLITE_BUSY_TIMEOUT.toMillis());
    sc.setTransactionMode(mode);
    sc.setSharedCache(false);
    // Inserts return their ids with RETURNING: without this the driver lower-cases and regex-scans the SQL of every
    // update for JDBC's generated keys (about 5% of an unlink's CPU in a profile).
    sc.setGetGeneratedKeys(false);
    // No automatic checkpoint on the commit that crosses 1000 WAL pages: SqliteCheckpointer's thread checkpoints.
    sc.setPragma(SQLiteConfig.Pragma.WAL_AUTOCHECKPOINT, "0");
    return sc;
  }

  private static HikariDataSource sqlitePool(String url, int size, SQLiteConfig.TransactionMode mode)
      throws FsException {
    SQLiteConfig sc = sqliteConfig(mode);
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("truckeefs-sqlite-" + POOLS.incrementAndGet());
    hc.setJdbcUrl(url);
    hc.setDataSourceProperties(sc.toProperties());
    hc.setMaximumPoolSize(size);
    hc.setMinimumIdle(1);
    hc.setAutoCommit(true);
    hc.setConnectionTimeout(SQLITE_BUSY_TIMEOUT.toMillis());
    try {
      return new HikariDataSource(hc);
    } catch (RuntimeException e) {
      throw new FsException(FsError.IO, "cannot open the metadata file " + url.substring("jdbc:sqlite:".length())
          + ": " + SqlErrors.describe(e) + " (check data_dir)");
    }
  }
}
