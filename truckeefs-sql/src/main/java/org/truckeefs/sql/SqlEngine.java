package org.truckeefs.sql;

import org.jooq.SQLDialect;

/** The SQL engines the store runs on, with what differs between them. */
enum SqlEngine {
  MARIADB(SQLDialect.MARIADB, "mariadb", true, true),
  SQLITE(SQLDialect.SQLITE, "sqlite", false, false);

  private final SQLDialect dialect;
  private final String migrationFolder;
  private final boolean lockingReads;
  private final boolean remote;

  SqlEngine(SQLDialect dialect, String migrationFolder, boolean lockingReads, boolean remote) {
    this.dialect = dialect;
    this.migrationFolder = migrationFolder;
    this.lockingReads = lockingReads;
    this.remote = remote;
  }

  /** Whether the connection can die during COMMIT, leaving its outcome unknown (a server over a network). */
  boolean commitCanBeAmbiguous() {
    return remote;
  }

  /**
   * Whether a body should send several statements in one round trip (a server over a network, connections with
   * allowMultiQueries); an embedded engine has no round trips to save.
   */
  boolean batchesStatements() {
    return remote;
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
