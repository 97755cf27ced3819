package org.truckeefs.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prepared statements kept per physical connection, so a hot statement is parsed once per connection rather than
 * once per call: sqlite-jdbc has no statement cache (every prepare runs SQLite's parser and planner, ~19% of a
 * create in a profile), and HikariCP deliberately leaves statement caching to the driver.
 *
 * <p>Hand-made because neither driver nor pool offers one for SQLite; it is small: statements are prepared on the
 * physical connection (unwrapped from Hikari's proxy, which would close them when the connection goes back to the
 * pool), looked up by their SQL text, and live as long as the connection. Only the thread that holds the
 * connection uses its map. A connection the pool retires is closed by the pool, and closing a connection closes
 * its statements; its map is dropped at the next sweep. The number of distinct SQL strings is fixed (constants in
 * {@link SqlMetadataStore}), so each map is bounded.
 */
final class StatementCache {
  private final ConcurrentHashMap<Connection, Statements> byConnection = new ConcurrentHashMap<>();
  private final int sweepAbove;

  /** @param connections how many connections the pools hold; maps beyond twice that are swept for closed ones */
  StatementCache(int connections) {
    this.sweepAbove = Math.max(4, 2 * connections);
  }

  /** One physical connection's statements; used only by the thread that holds the connection. */
  static final class Statements {
    private final Map<String, PreparedStatement> bySql = new HashMap<>();
    /** What {@link SqliteColumns} keeps of each statement's result. */
    final Map<PreparedStatement, SqliteColumns.Known> columns = new IdentityHashMap<>();

    /** {@code sql} prepared on {@code raw}'s physical connection, kept or prepared now. */
    PreparedStatement prepare(Connection raw, String sql) throws SQLException {
      PreparedStatement p = bySql.get(sql);
      if (p == null || p.isClosed()) {
        if (p != null) {
          columns.remove(p);
        }
        p = raw.unwrap(Connection.class).prepareStatement(sql);
        bySql.put(sql, p);
      }
      return p;
    }

    /** Runs {@code p}'s query (a statement of this connection). */
    ResultSet query(PreparedStatement p) throws SQLException {
      return SqliteColumns.query(p, columns);
    }
  }

  /** The statements of the physical connection behind {@code pooled}; used only while holding {@code pooled}. */
  Statements of(Connection pooled) throws SQLException {
    Connection raw = pooled.unwrap(Connection.class);
    Statements m = byConnection.get(raw);
    if (m == null) {
      if (byConnection.size() >= sweepAbove) {
        sweep();
      }
      m = new Statements();
      byConnection.put(raw, m);
    }
    return m;
  }

  /** Forgets a connection's statements (after a failure that may have broken it). */
  void forget(Connection pooled) {
    try {
      Statements m = byConnection.remove(pooled.unwrap(Connection.class));
      if (m != null) {
        for (PreparedStatement p : m.bySql.values()) {
          closeQuietly(p);
        }
      }
    } catch (SQLException | RuntimeException e) {
      // a closed connection; its statements are closed with it
    }
  }

  private void sweep() {
    byConnection.keySet().removeIf(c -> {
      try {
        return c.isClosed();
      } catch (SQLException | RuntimeException e) {
        return true;
      }
    });
  }

  /** Closes every kept statement (the pools are closing). */
  void close() {
    for (Statements m : byConnection.values()) {
      for (PreparedStatement p : m.bySql.values()) {
        closeQuietly(p);
      }
    }
    byConnection.clear();
  }

  private static void closeQuietly(PreparedStatement p) {
    try {
      p.close();
    } catch (SQLException | RuntimeException e) {
      // already closed with its connection
    }
  }
}
