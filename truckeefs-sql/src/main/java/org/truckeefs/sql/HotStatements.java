package org.truckeefs.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.concurrent.atomic.LongAdder;
import org.jooq.DSLContext;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * What a transaction body runs its statements through: a jOOQ context on the attempt's connection that carries the
 * connection's cached statements ({@link StatementCache}) and the count of statements sent.
 */
final class HotStatements implements AutoCloseable {
  /** The connection a body runs on and its cached statements (see {@link #prepare}). */
  private record Bound(Connection connection, StatementCache.Statements cache, LongAdder sent) {}

  private static final String STATEMENTS = "org.truckeefs.sql.statements";

  private final SqlEngine engine;
  private final Settings settings;
  private final StatementCache cache;
  /** See {@link #sent()}. */
  private final LongAdder sent = new LongAdder();

  /** @param connections how many connections the pools hold (bounds the statement cache) */
  HotStatements(SqlEngine engine, int connections) {
    this.engine = engine;
    // No execute logging: jOOQ's debug log inlines bind values, and blob references are secrets.
    this.settings = new Settings()
        .withExecuteLogging(false)
        .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_QUOTED)
        .withRenderSchema(false);
    this.cache = new StatementCache(connections);
  }

  /** The context a body runs on {@code c}, with {@code c}'s cached statements. */
  DSLContext context(Connection c) throws SQLException {
    DSLContext db = DSL.using(c, engine.dialect(), settings);
    db.configuration().data(STATEMENTS, new Bound(c, cache.of(c), sent));
    return db;
  }

  /**
   * The context of the next body on a connection the caller owns for good (SQLite's single writer): {@code last},
   * the context the previous body ran on, with what that body left for its commit cleared, or a new one. A context
   * per body cost the writer a jOOQ configuration and a copy of its settings each time, 7% of a create's turn of the
   * writer's lock in a profile (benchmarks.md).
   */
  DSLContext next(Connection c, DSLContext last) throws SQLException {
    if (last == null) {
      return context(c);
    }
    DeferredStatements.clear(last);
    return last;
  }

  /** A context on {@code c} without cached statements, for a lone query outside any body. */
  DSLContext plain(Connection c) {
    return DSL.using(c, engine.dialect(), settings);
  }

  /** {@code c}'s cached statements, for statements a body does not run (savepoints). */
  StatementCache.Statements of(Connection c) throws SQLException {
    return cache.of(c);
  }

  /** Forgets a connection's statements (after a failure that may have broken it). */
  void forget(Connection c) {
    cache.forget(c);
  }

  /** Counts a statement sent outside {@link #prepare} (a multi-statement round trip counts once). */
  void countSent() {
    sent.increment();
  }

  /**
   * Hot statements and deferred changes sent, a multi-statement counting once: on MariaDB the round trips of the
   * namespace operations (a COMMIT sent alone and jOOQ's cold-path queries are not counted).
   */
  long sent() {
    return sent.sum();
  }

  /**
   * {@code sql} prepared on the body's connection, parsed once per connection ({@link StatementCache}): for the
   * hot statements, which skip jOOQ's per-call rendering too. The caller binds every parameter and closes any
   * result set it opens (an open SQLite cursor would hold its read snapshot); it never closes the statement.
   */
  static PreparedStatement prepare(DSLContext db, String sql) throws SQLException {
    Bound s = bound(db);
    s.sent().increment();
    return s.cache().prepare(s.connection(), sql);
  }

  /**
   * Runs the query {@code sql} with the parameters bound in order, as {@link #prepare} and {@code executeQuery}
   * would, but without sqlite-jdbc reading its column names again ({@link SqliteColumns}). The caller closes the
   * result.
   */
  static ResultSet query(DSLContext db, String sql, Object... params) throws SQLException {
    PreparedStatement p = prepare(db, sql);
    bind(p, params);
    return bound(db).cache().query(p);
  }

  /** {@link #prepare} with the parameters bound in order. */
  static PreparedStatement prepare(DSLContext db, String sql, Object... params) throws SQLException {
    PreparedStatement p = prepare(db, sql);
    bind(p, params);
    return p;
  }

  static void bind(PreparedStatement p, Object... params) throws SQLException {
    for (int i = 0; i < params.length; i++) {
      Object v = params[i];
      if (v == null) {
        p.setNull(i + 1, Types.NULL);
      } else if (v instanceof Long l) {
        p.setLong(i + 1, l);
      } else if (v instanceof Integer n) {
        p.setInt(i + 1, n);
      } else if (v instanceof byte[] b) {
        p.setBytes(i + 1, b);
      } else if (v instanceof String || v instanceof Short || v instanceof Byte || v instanceof Boolean) {
        p.setObject(i + 1, v); // from a jOOQ query's bind values (a deferred change of a rename)
      } else {
        throw new IllegalArgumentException("unsupported parameter type " + v.getClass().getName());
      }
    }
  }

  /** Counts a jOOQ query the body's context is about to send (a deferred change). */
  static void countSent(DSLContext db) {
    bound(db).sent().increment();
  }

  private static Bound bound(DSLContext db) {
    return (Bound) db.configuration().data(STATEMENTS);
  }

  /** Closes every cached statement (the pools are closing). */
  @Override
  public void close() {
    cache.close();
  }
}
