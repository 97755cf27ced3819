package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.M_CREATED;
import static org.truckeefs.sql.Schema.M_TOKEN;
import static org.truckeefs.sql.Schema.TX_MARKER;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import org.jooq.DSLContext;

/**
 * Resolves an ambiguous COMMIT. When a MariaDB connection dies during COMMIT, the commit may or may not have landed.
 * Every write transaction therefore inserts a random token into {@code tx_marker}; after such a failure the token
 * is looked up ({@link #landed}): if it is there, the first attempt's result is returned, else the operation runs
 * again. Without this a create retried after a lost COMMIT would answer EEXIST for its own file. A write whose own
 * rows carry the token (a create's new inode, {@link Transactor.OneTrip#carriesToken}) writes no marker: its rows
 * are looked up instead ({@link #found}).
 */
final class CommitMarkers {
  private static final Duration MARKER_TTL = Duration.ofHours(1);
  private static final int MARKER_SWEEP_EVERY = 2_000;

  /** The marker and the COMMIT after a one-trip write's statements; its two parameters are {@link #bind}'s. */
  static final String MARKER_AND_COMMIT = "INSERT INTO tx_marker (token, created) VALUES (?, ?); COMMIT";

  /** COMMIT failed in a way that leaves its outcome unknown. */
  static final class AmbiguousCommit extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Object result;

    AmbiguousCommit(Object result, Throwable cause) {
      super(cause);
      this.result = result;
    }
  }

  private final HikariDataSource writers;
  private final HotStatements statements;
  private final Clock clock;

  CommitMarkers(HikariDataSource writers, HotStatements statements, Clock clock) {
    this.writers = writers;
    this.statements = statements;
    this.clock = clock;
  }

  /** Now and then (one write in {@link #MARKER_SWEEP_EVERY}) deletes the markers older than {@link #MARKER_TTL}. */
  void sweep(DSLContext db) {
    if (ThreadLocalRandom.current().nextInt(MARKER_SWEEP_EVERY) == 0) {
      long old = SqlValues.nanos(clock.instant()) - MARKER_TTL.toNanos();
      db.deleteFrom(TX_MARKER).where(M_CREATED.lt(old)).execute();
    }
  }

  /** Binds {@link #MARKER_AND_COMMIT}'s parameters, the first at {@code index}. */
  void bind(PreparedStatement s, int index, long token) throws SQLException {
    s.setLong(index, token);
    s.setLong(index + 1, SqlValues.nanos(clock.instant()));
  }

  /** A look for what a landed COMMIT left behind. */
  @FunctionalInterface
  interface Check {
    boolean found(DSLContext db) throws SQLException;
  }

  /** Whether the first attempt's COMMIT landed; a failure to find out is itself retried by the caller. */
  boolean landed(long token) throws SQLException {
    return found(db -> markerOf(db, token));
  }

  /** Whether the marker {@code token} is there. */
  static boolean markerOf(DSLContext db, long token) {
    return db.fetchExists(TX_MARKER, M_TOKEN.eq(token));
  }

  /** Whether {@code check} finds what a landed COMMIT left, on a writer (which sees every commit). */
  boolean found(Check check) throws SQLException {
    try (Connection c = writers.getConnection()) {
      try {
        return check.found(statements.plain(c));
      } finally {
        Retries.rollbackQuietly(c);
      }
    }
  }
}
