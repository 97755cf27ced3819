package org.truckeefs.sql;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.sqlite.core.CoreResultSet;

/**
 * Runs a cached statement's query without sqlite-jdbc reading its column names again. sqlite-jdbc (3.54.1.0) reads
 * the name of every result column over JNI at each execution: closing a result set drops the names it read when it
 * prepared the statement, and the next execution's {@code getResultSet} reads them all again
 * ({@code CoreResultSet.close}, {@code JDBC3Statement.getResultSet}). Each name is a native string, a direct buffer
 * and a Java string: 16% of the writer's CPU in {@code SqlStoreBenchmark.createAndCommit} (async-profiler), whose
 * inode rows have 15 columns. We read columns by index, and a statement's columns are fixed by its text (the schema
 * does not change while the store is open: migrations run before any statement is cached). So the names of a
 * statement's first result are kept, and handed back to its result set (the same object for every execution of a
 * statement) between the execution and opening the result, through the result set's public {@code colsMeta}.
 * Results of another driver (MariaDB) are left alone: {@code executeQuery} as usual.
 *
 * <p>The execution goes through {@code p} itself, so that a recorded connection ({@link StatementRecorder}) still
 * records a writing query ({@code UPDATE ... RETURNING}).
 */
final class SqliteColumns {
  /** A statement's result set and the names of its columns; {@link #NOT_SQLITE} for another driver's. */
  record Known(CoreResultSet result, String[] names) {}

  private static final Known NOT_SQLITE = new Known(null, null);

  private SqliteColumns() {}

  /** Runs {@code p}'s query; {@code known} is the statement's connection's memory (one thread uses it). */
  static ResultSet query(PreparedStatement p, Map<PreparedStatement, Known> known) throws SQLException {
    Known k = known.get(p);
    if (k == null) {
      ResultSet r = p.executeQuery();
      known.put(p, r instanceof CoreResultSet c && c.colsMeta != null ? new Known(c, c.colsMeta) : NOT_SQLITE);
      return r;
    }
    if (k == NOT_SQLITE) {
      return p.executeQuery();
    }
    p.execute();
    k.result().colsMeta = k.names();
    ResultSet r = p.getResultSet();
    if (r == null) {
      throw new SQLException("the query returned no result set");
    }
    return r;
  }
}
