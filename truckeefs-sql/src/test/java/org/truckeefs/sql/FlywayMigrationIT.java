package org.truckeefs.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;

/** The Flyway scripts on the real MariaDB: concurrent first start, own history table, newer schemas refused. */
class FlywayMigrationIT {
  private String database;

  @BeforeEach
  void createDatabase() throws Exception {
    database = TestBackends.createMariaDbDatabase();
  }

  @AfterEach
  void dropDatabase() throws Exception {
    TestBackends.dropMariaDbDatabase(database);
  }

  @Test
  void twoStoresMigratingOneEmptyDatabaseAtOnce_bothComeUp() throws Exception {
    int starters = 4;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(starters);
    List<Future<MetadataStore>> opened = new ArrayList<>();
    try {
      for (int i = 0; i < starters; i++) {
        opened.add(pool.submit(() -> {
          go.await();
          MetadataStore s = TestBackends.mariaDb(database);
          s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, Instant.EPOCH, null));
          return s;
        }));
      }
      go.countDown();
      List<MetadataStore> stores = new ArrayList<>();
      for (Future<MetadataStore> f : opened) {
        stores.add(f.get(120, TimeUnit.SECONDS));
      }
      for (MetadataStore s : stores) {
        assertThat(s.getAttributes(InodeId.ROOT).type()).isEqualTo(InodeType.DIRECTORY);
        s.close();
      }
    } finally {
      pool.shutdownNow();
    }
    try (Connection c = TestBackends.adminConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + database + "." + Migrations.HISTORY_TABLE
             + " WHERE success = 1 AND version IS NOT NULL")) {
      rs.next();
      assertThat(rs.getInt(1)).as("each migration applied once").isEqualTo(7); // V1 to V7
    }
  }

  @Test
  void migration_usesItsOwnHistoryTable_andLeavesOtherTablesAlone() throws Exception {
    TestBackends.admin("CREATE TABLE " + database + ".flyway_schema_history (x INT)");
    TestBackends.mariaDb(database).close();
    try (Connection c = TestBackends.adminConnection(); Statement st = c.createStatement();
         ResultSet rs = st.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '"
             + database + "' ORDER BY table_name")) {
      List<String> tables = new ArrayList<>();
      while (rs.next()) {
        tables.add(rs.getString(1).toLowerCase());
      }
      assertThat(tables).containsExactlyInAnyOrder("blob_ref", "chunk", "commit_mark", "dentry", "filesystem",
          "flyway_schema_history", "inode", "sync_mark", "tx_marker", "truckeefs_schema_history", "upload_journal",
          "xattr");
    }
  }

  @Test
  void schemaNewerThanThisBuild_isRefusedWithOneLineNamingSqlDb() throws Exception {
    TestBackends.mariaDb(database).close();
    TestBackends.admin("INSERT INTO " + database + "." + Migrations.HISTORY_TABLE
        + " (installed_rank, version, description, type, script, checksum, installed_by, execution_time, success)"
        + " VALUES (99, '99', 'from the future', 'SQL', 'V99__from_the_future.sql', 0, 'test', 1, 1)");
    assertThatThrownBy(() -> TestBackends.mariaDb(database))
        .isInstanceOfSatisfying(FsException.class, e -> {
          assertThat(e.error()).isEqualTo(FsError.INVALID);
          assertThat(e.getMessage()).contains("version 99").contains("newer").contains("sql_db").doesNotContain("\n");
        });
  }

  @Test
  void reopeningAMigratedDatabase_keepsItsData() throws Exception {
    try (MetadataStore s = TestBackends.mariaDb(database)) {
      s.initRoot(new NewInode(InodeType.DIRECTORY, 0700, 0, 0, 0, Instant.EPOCH, null));
    }
    try (MetadataStore s = TestBackends.mariaDb(database)) {
      assertThat(s.getAttributes(InodeId.ROOT).mode()).isEqualTo(0700);
    }
  }

  /**
   * A user who may create tables but not stored procedures is refused before anything is created, with one line
   * naming the GRANT (a failed V4 would otherwise stay recorded, and every later start refuse the schema); once
   * granted, the same database comes up.
   */
  @Test
  void userWithoutCreateRoutine_isRefusedBeforeAnythingIsCreated_thenComesUpOnceGranted() throws Exception {
    String user = database + "_u";
    TestBackends.admin("CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw'");
    try {
      TestBackends.admin("GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, DROP ON " + database + ".* TO '"
          + user + "'@'%'");
      Map<String, String> settings = Map.of("sql_user", user, "sql_pass", "pw");
      assertThatThrownBy(() -> TestBackends.mariaDb(database, settings))
          .isInstanceOfSatisfying(FsException.class, e -> {
            assertThat(e.error()).isEqualTo(FsError.ACCESS_DENIED);
            assertThat(e.getMessage()).contains(user).contains("GRANT CREATE ROUTINE, ALTER ROUTINE, EXECUTE ON "
                + database + ".*").doesNotContain("\n").doesNotContain("pw");
          });
      try (Connection c = TestBackends.adminConnection(); Statement st = c.createStatement();
           ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = '"
               + database + "'")) {
        rs.next();
        assertThat(rs.getInt(1)).as("tables created before the refusal").isZero();
      }
      TestBackends.admin("GRANT CREATE ROUTINE, ALTER ROUTINE, EXECUTE ON " + database + ".* TO '" + user + "'@'%'");
      try (MetadataStore s = TestBackends.mariaDb(database, settings)) {
        s.initRoot(new NewInode(InodeType.DIRECTORY, 0755, 0, 0, 0, Instant.EPOCH, null));
        InodeId f = s.create(InodeId.ROOT, Name.of("f"), new NewInode(InodeType.FILE, 0644, 0, 0, 0, Instant.EPOCH,
            null)).id();
        assertThat(s.lookup(InodeId.ROOT, Name.of("f")).orElseThrow().inode()).isEqualTo(f);
      }
    } finally {
      TestBackends.admin("DROP USER IF EXISTS '" + user + "'@'%'");
    }
  }
}
