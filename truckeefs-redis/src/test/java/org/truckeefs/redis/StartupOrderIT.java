package org.truckeefs.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.testkit.RequiredService;

/**
 * Validate, then touch: a bad setting or an unreachable backend stops {@link RiverFS#open} before anything exists on
 * disk or in the database (MariaDB on 3306, the shared Redis on 6379; port 6399 has nothing listening).
 */
class StartupOrderIT {
  @TempDir Path tmp;
  private String database;

  @BeforeEach
  void freshDatabase() throws Exception {
    RequiredService.requireMariaDb();
    RequiredService.requireRedis();
    database = "truckeefs_order_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    admin("CREATE DATABASE " + database);
  }

  @AfterEach
  void dropDatabase() throws Exception {
    admin("DROP DATABASE IF EXISTS " + database);
  }

  private static void admin(String sql) throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/", "root", "");
         Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private int tables() throws Exception {
    try (Connection c = DriverManager.getConnection("jdbc:mariadb://127.0.0.1:3306/", "root", "");
         Statement s = c.createStatement();
         ResultSet r = s.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '"
             + database + "'")) {
      r.next();
      return r.getInt(1);
    }
  }

  private Map<String, String> settings(Map<String, String> extra) {
    Map<String, String> s = new HashMap<>(Map.of("data_dir", tmp.resolve("data").toString(),
        "sql_host", "127.0.0.1:3306", "sql_db", database, "sql_user", "root", "redis_host", "127.0.0.1:6379",
        "redis_timeout", "1s"));
    s.putAll(extra);
    return s;
  }

  private void assertNothingCreated() throws Exception {
    assertThat(tmp.resolve("data")).doesNotExist();
    assertThat(tables()).as("tables in " + database).isZero();
  }

  @Test
  void unreachableRedis_failsBeforeTheDataDirOrAnyTable() throws Exception {
    assertThatThrownBy(() -> RiverFS.open(RiverFsConfig.fromSettings(settings(Map.of("redis_host",
        "127.0.0.1:6399")))))
        .isInstanceOfSatisfying(FsException.class,
            e -> assertThat(e.error()).isIn(FsError.IO, FsError.TIMED_OUT))
        .hasMessageContaining("redis_host");
    assertNothingCreated();
  }

  @Test
  void malformedRootcap_isBadInput_beforeTheDataDirOrAnyTable() throws Exception {
    assertThatThrownBy(() -> RiverFS.open(RiverFsConfig.fromSettings(settings(Map.of("rootcap",
        "URI-DIR2-typo:abc")))))
        .isInstanceOfSatisfying(FsException.class, e -> assertThat(e.error()).isEqualTo(FsError.INVALID))
        .hasMessageContaining("rootcap")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("URI-DIR2-typo")); // a secret, even malformed
    assertNothingCreated();
  }

  @Test
  void withEverythingReachable_theSameSettingsOpen_andMigrate() throws Exception {
    try (RiverFS fs = RiverFS.open(RiverFsConfig.fromSettings(settings(Map.of())))) {
      assertThat(fs.getattr(fs.root()).isDirectory()).isTrue();
    }
    assertThat(tables()).isPositive();
    assertThat(tmp.resolve("data").resolve("lock")).exists();
  }
}
