package org.truckeefs.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.FlywayException;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Brings a database to the schema of this build with Flyway: the scripts live under
 * {@code org/truckeefs/sql/migration/<engine>} and the history in {@code truckeefs_schema_history}, so an
 * embedding application's own Flyway setup is untouched. A named server lock (GET_LOCK on MariaDB) around the
 * migration lets several processes start against one empty database at once.
 */
final class Migrations {
  static final String HISTORY_TABLE = "truckeefs_schema_history";
  private static final String PROBE = "truckeefs_privilege_probe";
  private static final Duration LOCK_WAIT = Duration.ofMinutes(5);

  private static final int ER_DBACCESS_DENIED = 1044;
  private static final int ER_TABLEACCESS_DENIED = 1142;
  private static final int ER_SP_ALREADY_EXISTS = 1304;
  private static final int ER_PROCACCESS_DENIED = 1370;

  private Migrations() {}

  /** Migrates; a database already at a newer schema than this build is refused, naming {@code settingToFix}. */
  static void migrate(DataSource dataSource, SqlEngine engine, String databaseName, String settingToFix)
      throws FsException {
    Flyway flyway = Flyway.configure(Migrations.class.getClassLoader())
        .dataSource(dataSource)
        .locations(engine.migrationLocation())
        .table(HISTORY_TABLE)
        .validateMigrationNaming(true)
        // A database that already holds an application's tables is fine: start our history at 0 beside them.
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .cleanDisabled(true)
        .load();
    if (engine != SqlEngine.MARIADB) {
      // SQLite: the pool is the single writer connection, which already serializes processes.
      migrate(flyway, databaseName, settingToFix);
      return;
    }
    try (Connection lock = dataSource.getConnection()) {
      // Flyway's own lock is taken only once its history table exists: two processes on an empty database can both
      // try to create and baseline it, and one fails ("already exists, and is empty"). A named server lock around
      // the whole migration closes that window. It holds one pool connection; Flyway uses others.
      lockServerWide(lock, databaseName);
      try {
        if (flyway.info().pending().length > 0) {
          // V4 and V5 create stored procedures; later ones may too
          requireRoutinePrivilege(lock, databaseName);
        }
        migrate(flyway, databaseName, settingToFix);
      } finally {
        try (PreparedStatement release = lock.prepareStatement("SELECT RELEASE_LOCK(?)")) {
          release.setString(1, lockName(lock));
          release.execute();
        }
      }
    } catch (SQLException e) {
      throw new FsException(FsError.IO, "cannot lock the metadata schema in " + databaseName + " for migration: "
          + SqlErrors.describe(e) + " (check " + settingToFix + ")");
    }
  }

  private static void lockServerWide(Connection c, String databaseName) throws SQLException, FsException {
    try (PreparedStatement get = c.prepareStatement("SELECT GET_LOCK(?, ?)")) {
      get.setString(1, lockName(c));
      get.setInt(2, (int) LOCK_WAIT.toSeconds());
      try (ResultSet r = get.executeQuery()) {
        if (!r.next() || r.getInt(1) != 1) {
          throw new FsException(FsError.BUSY, "another process has been migrating the metadata schema in "
              + databaseName + " for over " + LOCK_WAIT.toSeconds() + " s; retry when it is done");
        }
      }
    }
  }

  /**
   * Fails, before Flyway runs, when the user may not create stored procedures: MariaDB does not undo DDL, so Flyway
   * would record the migration as failed, and every later start would refuse the schema until someone ran Flyway's
   * repair by hand. A probe procedure, created and dropped, asks the server itself (grants may come through roles
   * and wildcards that information_schema does not spell out).
   */
  private static void requireRoutinePrivilege(Connection c, String databaseName) throws SQLException, FsException {
    try (Statement s = c.createStatement()) {
      try {
        s.execute("CREATE PROCEDURE " + PROBE + "() BEGIN END");
      } catch (SQLException e) {
        if (e.getErrorCode() != ER_SP_ALREADY_EXISTS) { // else left by a start that died before its DROP
          throw e;
        }
      }
      s.execute("DROP PROCEDURE " + PROBE);
    } catch (SQLException e) {
      int code = e.getErrorCode();
      if (code == ER_DBACCESS_DENIED || code == ER_TABLEACCESS_DENIED || code == ER_PROCACCESS_DENIED) {
        throw new FsException(FsError.ACCESS_DENIED, "the SQL user " + c.getMetaData().getUserName()
            + " may not create stored procedures in " + databaseName + ", which the metadata schema needs: run "
            + "GRANT CREATE ROUTINE, ALTER ROUTINE, EXECUTE ON " + c.getCatalog() + ".* TO that user, then start "
            + "again");
      }
      throw e;
    }
  }

  /** One lock per database; at most 64 characters, which is what MariaDB and MySQL accept. */
  private static String lockName(Connection c) throws SQLException {
    String name = "truckeefs-migrate:" + c.getCatalog();
    return name.length() <= 64 ? name : "truckeefs-migrate:" + Integer.toHexString(name.hashCode());
  }

  private static void migrate(Flyway flyway, String databaseName, String settingToFix) throws FsException {
    try {
      flyway.migrate();
      MigrationInfo[] future = Arrays.stream(flyway.info().applied())
          .filter(m -> m.getState() == MigrationState.FUTURE_SUCCESS || m.getState() == MigrationState.FUTURE_FAILED)
          .toArray(MigrationInfo[]::new);
      if (future.length > 0) {
        String known = flyway.info().pending().length == 0 && flyway.info().current() != null
            ? latestKnown(flyway) : "?";
        throw new FsException(FsError.INVALID, "the metadata schema in " + databaseName + " is at version "
            + future[future.length - 1].getVersion() + ", newer than this TruckeeFS (which knows up to version "
            + known + "): upgrade TruckeeFS or point " + settingToFix + " at another database");
      }
    } catch (FlywayException e) {
      throw new FsException(FsError.IO, "cannot migrate the metadata schema in " + databaseName + ": "
          + firstLine(e.getMessage()) + " (check " + settingToFix + ")");
    }
  }

  private static String latestKnown(Flyway flyway) {
    return Arrays.stream(flyway.info().all())
        .filter(m -> m.getState() != MigrationState.FUTURE_SUCCESS && m.getState() != MigrationState.FUTURE_FAILED)
        .map(m -> m.getVersion().getVersion())
        .reduce((a, b) -> b).orElse("?");
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    return message.lines().map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.joining(" ")).replaceAll(
        "\\s+", " ");
  }
}
