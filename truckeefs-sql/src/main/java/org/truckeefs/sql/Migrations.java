package org.truckeefs.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * embedding application's own Flyway setup is untouched. Several processes may start against one empty database
 * at once: Flyway's own lock covers applying scripts but not its baseline step (one process creates the empty
 * history table, the other then refuses to baseline over it), so on MariaDB the whole migration runs under a
 * named server lock.
 */
final class Migrations {
  static final String HISTORY_TABLE = "truckeefs_schema_history";
  private static final Duration MIGRATION_LOCK_WAIT = Duration.ofSeconds(120);

  private Migrations() {}

  /** Migrates; a database already at a newer schema than this build is refused, naming {@code settingToFix}. */
  static void migrate(DataSource dataSource, SqlEngine engine, String databaseName, String settingToFix)
      throws FsException {
    if (engine != SqlEngine.MARIADB) {
      migrateNow(dataSource, engine, databaseName, settingToFix);
      return;
    }
    String lock = "truckeefs_migrate." + databaseName;
    try (Connection c = dataSource.getConnection()) {
      try (PreparedStatement get = c.prepareStatement("SELECT GET_LOCK(?, ?)")) {
        get.setString(1, lock);
        get.setInt(2, (int) MIGRATION_LOCK_WAIT.toSeconds());
        try (ResultSet r = get.executeQuery()) {
          if (!r.next() || r.getInt(1) != 1) {
            throw new FsException(FsError.TIMED_OUT, "another process kept migrating the metadata schema in "
                + databaseName + " for " + MIGRATION_LOCK_WAIT.toSeconds() + " s; retry, or check " + settingToFix);
          }
        }
      }
      try {
        migrateNow(dataSource, engine, databaseName, settingToFix);
      } finally {
        try (PreparedStatement rel = c.prepareStatement("SELECT RELEASE_LOCK(?)")) {
          rel.setString(1, lock);
          rel.execute();
        }
      }
    } catch (SQLException e) {
      throw new FsException(FsError.IO, "cannot lock the metadata schema of " + databaseName + " for migration: SQLState "
          + e.getSQLState() + " (check " + settingToFix + ")");
    }
  }

  private static void migrateNow(DataSource dataSource, SqlEngine engine, String databaseName, String settingToFix)
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
