package org.truckeefs.sql;

import org.jooq.SQLDialect;

/** The SQL engines the store runs on, with what differs between them. */
enum SqlEngine {
  MARIADB(SQLDialect.MARIADB, "mariadb", true),
  SQLITE(SQLDialect.SQLITE, "sqlite", false);

  private final SQLDialect dialect;
  private final String migrationFolder;
  private final boolean lockingReads;

  SqlEngine(SQLDialect dialect, String migrationFolder, boolean lockingReads) {
    this.dialect = dialect;
    this.migrationFolder = migrationFolder;
    this.lockingReads = lockingReads;
  }

  SQLDialect dialect() {
    return dialect;
  }

  /** The Flyway location of this engine's scripts (namespaced, so an embedding app's db/migration is untouched). */
  String migrationLocation() {
    return "classpath:org/truckeefs/sql/migration/" + migrationFolder;
  }

  /**
   * Whether reads that decide a write must lock rows ({@code SELECT ... FOR UPDATE}). SQLite serializes writers
   * with {@code BEGIN IMMEDIATE}, so a write transaction already sees and keeps the latest state.
   */
  boolean lockingReads() {
    return lockingReads;
  }
}
