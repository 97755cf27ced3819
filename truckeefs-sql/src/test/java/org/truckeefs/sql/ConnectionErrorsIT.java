package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;

/** Start-up failures on MariaDB: one line naming the setting to fix, and the password nowhere in the logs. */
class ConnectionErrorsIT {
  private static String database;

  @BeforeAll
  static void createDatabase() throws Exception {
    database = TestBackends.createMariaDbDatabase();
  }

  @AfterAll
  static void dropDatabase() throws Exception {
    TestBackends.dropMariaDbDatabase(database);
  }

  private static FsException failure(URI uri, Map<String, String> settings) {
    try {
      new MariaDbMetadataStoreProvider().create(uri, BackendConfig.of(settings), TestBackends.context(Path.of("/tmp")))
          .close();
    } catch (FsException e) {
      return e;
    }
    throw new AssertionError("opening " + uri + " should have failed");
  }

  private static void assertOneLine(FsException e, String... mentions) {
    assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("Exception:").doesNotContain("\tat ");
    for (String m : mentions) {
      assertThat(e.getMessage()).contains(m);
    }
  }

  @Test
  void wrongPassword_namesSqlUserAndSqlPass_andNeverShowsThePassword() {
    FsException e = failure(TestBackends.mariaDbUri(database), Map.of("sql_user", "root", "sql_pass", "s3cret-pw"));
    assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED);
    assertOneLine(e, "sql_pass", "sql_user");
    assertThat(e.getMessage()).doesNotContain("s3cret-pw");
  }

  @Test
  void unknownHost_namesSqlHost() {
    FsException e = failure(URI.create("mariadb://no-such-host.invalid:3306/" + database), Map.of());
    assertThat(e.error()).isEqualTo(FsError.IO);
    assertOneLine(e, "sql_host", "no-such-host.invalid");
  }

  @Test
  void closedPort_namesSqlHostAndSqlPort() {
    FsException e = failure(URI.create("mariadb://127.0.0.1:1/" + database), Map.of());
    assertOneLine(e, "sql_port");
  }

  @Test
  void missingDatabase_namesSqlDb() {
    FsException e = failure(TestBackends.mariaDbUri("tfs_does_not_exist"), Map.of());
    assertThat(e.error()).isEqualTo(FsError.NOT_FOUND);
    assertOneLine(e, "sql_db", "tfs_does_not_exist");
  }

  @Test
  void badSettings_areOneLineInvalid() {
    assertThat(failure(URI.create("mariadb://127.0.0.1/"), Map.of()).getMessage()).contains("sql_db");
    assertThat(failure(TestBackends.mariaDbUri(database), Map.of("sql_engine", "postgres")).getMessage())
        .contains("sql_engine");
    assertThat(failure(TestBackends.mariaDbUri(database), Map.of("sql_ssl", "maybe")).getMessage())
        .contains("sql_ssl");
    assertThat(failure(URI.create("mariadb:///" + database), Map.of()).getMessage()).contains("sql_host");
  }

  @Test
  void settingsFillWhatTheUriLeavesOut() throws Exception {
    new MariaDbMetadataStoreProvider().create(URI.create("mariadb:///"),
        BackendConfig.of(Map.of("sql_host", "127.0.0.1:3306", "sql_db", database, "sql_engine", "mysql+asyncmy")),
        TestBackends.context(Path.of("/tmp"))).close();
  }

  @Test
  void thePasswordNeverReachesTheLogs_evenAtDebugLevel() throws Exception {
    String password = "pw-" + System.nanoTime();
    TestBackends.admin("CREATE USER IF NOT EXISTS 'tfs_logtest'@'%' IDENTIFIED BY '" + password + "'");
    TestBackends.admin("GRANT ALL ON " + database + ".* TO 'tfs_logtest'@'%'");
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger hikari = (Logger) LoggerFactory.getLogger("com.zaxxer.hikari");
    Logger flyway = (Logger) LoggerFactory.getLogger("org.flywaydb");
    Level rootLevel = root.getLevel();
    Level hikariLevel = hikari.getLevel();
    Level flywayLevel = flyway.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.start();
    root.addAppender(captured);
    root.setLevel(Level.DEBUG);
    hikari.setLevel(Level.DEBUG);
    flyway.setLevel(Level.DEBUG);
    try {
      new MariaDbMetadataStoreProvider().create(TestBackends.mariaDbUri(database),
          BackendConfig.of(Map.of("sql_user", "tfs_logtest", "sql_pass", password)),
          TestBackends.context(Path.of("/tmp"))).close();
      failure(TestBackends.mariaDbUri(database), Map.of("sql_user", "tfs_logtest", "sql_pass", password + "x"));
    } finally {
      root.detachAppender(captured);
      root.setLevel(rootLevel);
      hikari.setLevel(hikariLevel);
      flyway.setLevel(flywayLevel);
      TestBackends.admin("DROP USER IF EXISTS 'tfs_logtest'@'%'");
    }
    assertThat(captured.list).isNotEmpty();
    assertThat(captured.list).allSatisfy(ev -> {
      assertThat(ev.getFormattedMessage()).doesNotContain(password);
      if (ev.getThrowableProxy() != null) {
        assertThat(ev.getThrowableProxy().getMessage()).doesNotContain(password);
      }
    });
    assertThat(captured.list).anySatisfy(ev -> assertThat(ev.getLoggerName()).startsWith("com.zaxxer.hikari"));
  }
}
