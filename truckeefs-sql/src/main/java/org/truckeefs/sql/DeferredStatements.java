package org.truckeefs.sql;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jooq.DSLContext;
import org.jooq.Query;
import org.truckeefs.api.FsException;

/**
 * The statements a body leaves to run just before its COMMIT ({@link #atCommit}), kept on the body's context. On
 * MariaDB they travel with the marker and the COMMIT in one round trip ({@link #appendBound}); elsewhere they run
 * one by one after the body ({@link #execute}). What they change is {@link SqlDeferredChanges}' business.
 */
final class DeferredStatements {
  /** What a failed statement left for the COMMIT means to the caller: throws the POSIX answer, or returns. */
  @FunctionalInterface
  interface FailureCheck {
    void check(DSLContext db) throws FsException;
  }

  /** A jOOQ query, or an SQL string with its parameters (a hot statement, run from the statement cache). */
  private record Deferred(Query query, String sql, Object[] params, FailureCheck check) {}

  private static final String DEFERRED = "org.truckeefs.sql.deferred";

  private DeferredStatements() {}

  /** Like {@link #atCommit(DSLContext, Query, FailureCheck)} for a hot statement, run from the statement cache. */
  static void atCommit(DSLContext db, String sql, FailureCheck check, Object... params) {
    deferred(db).add(new Deferred(null, sql, params, check));
  }

  /**
   * Leaves {@code query} to run just before the COMMIT, after the body and in order. On MariaDB the deferred
   * statements, the marker and the COMMIT travel in one round trip: the server stops at the first failing statement,
   * so nothing commits then. After a failure that is not transient, {@code check} runs in the still-open
   * transaction and may throw the answer (EEXIST for a taken name); otherwise the failure is reported as it is.
   * Only for statements whose results the body does not need.
   */
  static void atCommit(DSLContext db, Query query, FailureCheck check) {
    deferred(db).add(new Deferred(query, null, null, check));
  }

  /** Forgets what a body left (before the next body runs on the same context, {@link HotStatements#next}). */
  static void clear(DSLContext db) {
    db.configuration().data().remove(DEFERRED);
  }

  private static List<Deferred> deferred(DSLContext db) {
    List<Deferred> list = left(db);
    if (list == null) {
      list = new ArrayList<>();
      db.configuration().data(DEFERRED, list);
    }
    return list;
  }

  /** What the body left, or null when it left nothing. */
  @SuppressWarnings("unchecked")
  private static List<Deferred> left(DSLContext db) {
    return (List<Deferred>) db.configuration().data(DEFERRED);
  }

  private static List<Deferred> leftOrNone(DSLContext db) {
    List<Deferred> list = left(db);
    return list == null ? List.of() : list;
  }

  /**
   * Runs what the body left, in order, each as its own statement; a failure is first given to its statement's
   * check, which may throw the answer instead.
   */
  static void execute(DSLContext db, SqlEngine engine) throws SQLException, FsException {
    for (Deferred d : leftOrNone(db)) {
      try {
        execute(db, d);
      } catch (SQLException | RuntimeException e) {
        checkFailure(db, engine, d, e);
        throw e;
      }
    }
  }

  private static void execute(DSLContext db, Deferred d) throws SQLException {
    if (d.query() != null) {
      HotStatements.countSent(db);
      d.query().execute();
    } else {
      HotStatements.prepare(db, d.sql(), d.params()).executeUpdate();
    }
  }

  /**
   * Appends what the body left, each statement followed by "; ", for MariaDB's one-trip COMMIT: the text with
   * placeholders to {@code sql}, their values in order to {@code params}. A hot statement's text is a constant, so
   * the whole multi-statement is one of a few texts, prepared once per connection; only a jOOQ query (a rename's)
   * is rendered per call.
   */
  static void appendBound(DSLContext db, StringBuilder sql, List<Object> params) {
    for (Deferred d : leftOrNone(db)) {
      if (d.query() != null) {
        sql.append(db.render(d.query()));
        params.addAll(db.extractBindValues(d.query()));
      } else {
        sql.append(d.sql());
        params.addAll(Arrays.asList(d.params()));
      }
      sql.append("; ");
    }
  }

  /** After the one-trip COMMIT failed: gives {@code e} to the check of every statement the body left. */
  static void checkFailure(DSLContext db, SqlEngine engine, Exception e) throws FsException {
    for (Deferred d : leftOrNone(db)) {
      checkFailure(db, engine, d, e);
    }
  }

  private static void checkFailure(DSLContext db, SqlEngine engine, Deferred d, Exception e) throws FsException {
    if (d.check() != null && !SqlErrors.isTransient(e, engine)) {
      d.check().check(db);
    }
  }
}
