package org.truckeefs.sql;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jooq.DSLContext;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.sql.CommitMarkers.AmbiguousCommit;

/**
 * Runs each store operation as one transaction, retried on transient failures ({@link Retries}); a COMMIT whose
 * outcome was lost is resolved by its marker ({@link CommitMarkers}).
 *
 * <p>Reads run on connections that idle in autocommit, one statement at a time: a read body never needs more than
 * READ COMMITTED gave it, and it saves the COMMIT round trip. Writes on MariaDB send the changes their body left
 * with {@link DeferredStatements#atCommit}, the marker and the COMMIT in one round trip, so a create, unlink or
 * rename costs two or three round trips instead of seven to ten.
 *
 * <p>SQLite has one writer connection (begun IMMEDIATE, so the write lock is taken up front and a transaction
 * never fails half-way to upgrade it), whose writes commit in batches behind a redo log ({@link SqliteWriter}), and
 * a pool of readers that WAL lets run alongside it.
 */
final class Transactor implements AutoCloseable {
  static {
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
  }

  /** A transaction body; it may run more than once, so it must not have effects outside the database. */
  @FunctionalInterface
  interface Body<T> {
    T run(DSLContext db) throws FsException, SQLException;
  }

  /**
   * A write body that makes every check that can refuse it (ENOENT, EEXIST, ESTALE...) before its first change, so
   * that once it changed a row only an I/O error can stop it. SQLite's writer runs such a body without the savepoint
   * that would undo it alone (its statements and the page copies SQLite keeps for a rollback to it were a quarter of
   * a small file's CPU, benchmarks.md); should it fail after a change after all, the writer undoes the open
   * transaction and replays the redo log, as after a failed commit ({@link SqliteWriter}). Other engines run it as
   * any body.
   */
  @FunctionalInterface
  interface ChecksFirst<T> extends Body<T> {}

  /**
   * A write sent to a server whole, in one round trip ({@link #writeInOneTrip}): its statements, the marker and the
   * COMMIT, with nothing read first. The statements must stop with an error (so that nothing commits) whenever the
   * write must not happen.
   */
  interface OneTrip<T> {
    /** Reads the results of the write's own statements; the statement stands at the first. */
    T results(PreparedStatement s) throws SQLException, FsException;

    /**
     * After one of the statements failed (not transiently), in the still-open transaction: throws the POSIX answer
     * (ENOENT, EEXIST...), or returns to let the failure stand.
     */
    void explain(DSLContext db) throws FsException, SQLException;

    /** The result of a write that committed although its answer was lost (its marker is there), read afresh. */
    T recover(DSLContext db) throws FsException, SQLException;

    /**
     * Whether the statement COMMITs itself, given the attempt's token as its last parameter (a stored procedure):
     * then nothing follows it, which saves the server the statements after the CALL. Its own rows may carry the
     * token (a create's new inode: no marker row is written, and {@link #landed} looks for those rows), or it
     * writes the marker itself (an unlink, which leaves no row of its own; {@link #landed}'s default finds it).
     */
    default boolean carriesToken() {
      return false;
    }

    /**
     * Whether the attempt that carried {@code token} committed: its marker is there, or for a write that {@link
     * #carriesToken}, its own rows with the token.
     */
    default boolean landed(DSLContext db, long token) throws SQLException {
      return CommitMarkers.markerOf(db, token);
    }
  }

  private final SqlEngine engine;
  private final HikariDataSource writers;
  private final HikariDataSource readers;
  private final HotStatements statements;
  private final CommitMarkers markers;
  private final Retries retries;
  private final SqliteWriter sqlite;
  private final SqliteCheckpointer checkpointer;

  /** On MariaDB: a pool of writers (transactions) and one of readers (autocommit). */
  Transactor(SqlEngine engine, HikariDataSource writers, HikariDataSource readers, Clock clock) {
    this.engine = engine;
    this.writers = writers;
    this.readers = readers;
    this.checkpointer = null;
    this.sqlite = null;
    this.statements = new HotStatements(engine, writers.getMaximumPoolSize() + readers.getMaximumPoolSize());
    this.markers = new CommitMarkers(writers, statements, clock);
    this.retries = new Retries(engine, markers);
  }

  /**
   * On SQLite: the single writer connection (write-behind, {@link SqliteWriter}) and a pool of readers.
   *
   * @param writer the writer connection, idle in autocommit, not yet wrapped
   * @param redo the redo log, replayed now
   * @param checkpointer SQLite's WAL checkpoint thread, told of every commit
   */
  Transactor(Connection writer, RedoLog redo, HikariDataSource readers, SqliteCheckpointer checkpointer,
      Duration window, int maxUncommitted) throws FsException {
    this.engine = SqlEngine.SQLITE;
    this.writers = null;
    this.readers = readers;
    this.checkpointer = checkpointer;
    this.statements = new HotStatements(engine, readers.getMaximumPoolSize() + 1);
    this.markers = null;
    this.retries = new Retries(engine, null);
    StatementRecorder recorder = new StatementRecorder();
    this.sqlite = new SqliteWriter(recorder.wrap(writer), recorder, redo, statements, checkpointer, window,
        maxUncommitted);
  }

  SqlEngine engine() {
    return engine;
  }

  /** See {@link HotStatements#sent()}. For tests. */
  long statementsSent() {
    return statements.sent();
  }

  /** SQLite's WAL checkpoint thread, or null. For tests. */
  SqliteCheckpointer checkpointer() {
    return checkpointer;
  }

  /** SQLite only: writes run as part of a group of two or more (for tests and diagnostics). */
  long groupedWrites() {
    return sqlite.groupedWrites();
  }

  /** SQLite only: the writer (for tests). */
  SqliteWriter sqliteWriter() {
    return sqlite;
  }

  /** SQLite only: makes every write that returned durable ({@link SqliteWriter#sync}). */
  void syncWal() throws FsException {
    sqlite.sync();
  }

  <T> T write(String op, Body<T> body) throws FsException {
    if (sqlite != null) {
      return sqlite.write(op, body);
    }
    return run(op, writers, body, true, engine.commitCanBeAmbiguous());
  }

  /** One body's answer in {@link #writeAll}: its result, or the error it failed with. */
  record Written<T>(T result, FsException failure) {}

  /**
   * SQLite only (the store's single writer): runs independent writes, each atomic on its own as {@link #write} runs
   * it, queued on the writer together ({@link SqliteWriter#writeAll}); answers in their order. Other engines run
   * such writes one by one, as the SPI's default {@code commitContents} does.
   */
  <T> List<Written<T>> writeAll(String op, List<? extends Body<T>> bodies) {
    if (sqlite == null) {
      throw new IllegalStateException(op + ": writeAll needs SQLite's single writer, this is " + engine);
    }
    return sqlite.writeAll(op, bodies);
  }

  /**
   * Runs a write in one round trip where the engine batches statements ({@link SqlEngine#batchesStatements}):
   * {@code sql} with {@code params}, then the marker and the COMMIT (or {@code sql} alone, with the token after
   * {@code params}, when it {@linkplain OneTrip#carriesToken carries the token itself}). Returns null on an
   * engine that does not batch: the caller then runs its write as an ordinary {@link #write}.
   */
  <T> T writeInOneTrip(String op, String sql, Object[] params, OneTrip<T> trip) throws FsException {
    if (!engine.batchesStatements() || !engine.commitCanBeAmbiguous()) {
      return null;
    }
    return retries.retrying(op, token -> oneTrip(sql, params, trip, token),
        token -> markers.found(db -> trip.landed(db, token)), () -> read(op, db -> trip.recover(db)));
  }

  /** For tests: the next one-trip write commits, then fails as if its connection died before the answer came. */
  volatile boolean loseNextAnswer;

  /** For tests: the next one-trip write fails as if its connection died while it was sent, before the server ran it. */
  volatile boolean loseNextRequest;

  private <T> T oneTrip(String sql, Object[] params, OneTrip<T> trip, long token)
      throws SQLException, FsException, AmbiguousCommit {
    try (Connection c = writers.getConnection()) {
      boolean done = false;
      try {
        DSLContext db = statements.context(c);
        markers.sweep(db);
        PreparedStatement s = HotStatements.prepare(db,
            trip.carriesToken() ? sql : sql + "; " + CommitMarkers.MARKER_AND_COMMIT);
        HotStatements.bind(s, params);
        if (trip.carriesToken()) {
          s.setLong(params.length + 1, token);
        } else {
          markers.bind(s, params.length + 1, token);
        }
        T result;
        try {
          if (loseNextRequest) {
            loseNextRequest = false;
            throw new SQLRecoverableException("the connection died while a write was sent (test)", "08006");
          }
          s.execute();
          result = trip.results(s);
          drainResults(s);
          if (loseNextAnswer) {
            loseNextAnswer = false;
            throw new SQLRecoverableException("the answer to a committed write was lost (test)", "08006");
          }
        } catch (SQLException e) {
          if (!SqlErrors.isTransient(e, engine) && !Retries.broken(c)) {
            trip.explain(db);
          }
          throw e;
        }
        try {
          c.commit(); // the driver saw the COMMIT go by: this sends nothing
        } catch (SQLException | RuntimeException e) {
          throw new AmbiguousCommit(null, e);
        }
        done = true;
        return result;
      } catch (SQLException | RuntimeException e) {
        boolean lost = !SqlErrors.isTransient(e, engine) && Retries.broken(c);
        if (lost) {
          statements.forget(c);
        }
        if (lost || SqlErrors.isTransient(e, engine)) {
          // The COMMIT went out with everything else: whether it landed is known only from the marker (or the token).
          throw new AmbiguousCommit(null, e);
        }
        throw e;
      } finally {
        if (!done) {
          Retries.rollbackQuietly(c);
        }
      }
    }
  }

  /**
   * A scan: a read of many rows (a listing page, a sweep, a count). On SQLite it first commits the writes that
   * returned, then runs on a reader beside the writer, so that a long scan never holds writes back.
   */
  <T> T scan(String op, Body<T> body) throws FsException {
    if (sqlite != null) {
      sqlite.commitForReaders(op);
    }
    return run(op, readers, body, false, false);
  }

  /**
   * A read of a few rows. On SQLite, while writes are uncommitted, it runs on the writer (under its lock) to see
   * them; otherwise on a reader.
   */
  @SuppressWarnings("unchecked")
  <T> T read(String op, Body<T> body) throws FsException {
    if (sqlite != null) {
      Object r = sqlite.readIfUncommitted(op, body);
      if (r != SqliteWriter.COMMITTED) {
        return (T) r;
      }
    }
    return run(op, readers, body, false, false);
  }

  private <T> T run(String op, HikariDataSource pool, Body<T> body, boolean write, boolean marked) throws FsException {
    return retries.retrying(op, token -> once(pool, body, write, marked, token), null);
  }

  private <T> T once(HikariDataSource pool, Body<T> body, boolean write, boolean marked, long token)
      throws SQLException, FsException, AmbiguousCommit {
    try (Connection c = pool.getConnection()) {
      if (!write) {
        // Readers idle in autocommit: each statement reads the latest committed state, as READ COMMITTED did
        // inside a transaction, without the COMMIT round trip a transaction costs.
        try {
          return body.run(statements.context(c));
        } catch (SQLException | RuntimeException e) {
          if (!SqlErrors.isTransient(e, engine) && Retries.broken(c)) {
            statements.forget(c);
            throw new SQLRecoverableException("the connection was lost", "08006", e);
          }
          throw e;
        }
      }
      // Writes here are MariaDB's (SQLite's go to SqliteWriter): the pool's connections run with autocommit off.
      boolean done = false;
      try {
        DSLContext db = statements.context(c);
        T result = body.run(db);
        if (marked) {
          markers.sweep(db);
        }
        if (!marked) {
          DeferredStatements.execute(db, engine);
        }
        try {
          if (marked) {
            // The deferred statements, the marker and the COMMIT travel in one round trip (allowMultiQueries); the
            // driver then knows the transaction is over, so commit() below sends nothing. Bound, not inlined: the
            // text is one of a few, prepared once per connection, and no value is rendered into SQL.
            StringBuilder sql = new StringBuilder();
            List<Object> params = new ArrayList<>();
            DeferredStatements.appendBound(db, sql, params);
            PreparedStatement s = HotStatements.prepare(db, sql.append(CommitMarkers.MARKER_AND_COMMIT).toString());
            try {
              HotStatements.bind(s, params.toArray());
              markers.bind(s, params.size() + 1, token);
              s.execute();
              drainResults(s);
            } catch (SQLException e) {
              if (!SqlErrors.isTransient(e, engine) && !Retries.broken(c)) {
                DeferredStatements.checkFailure(db, engine, e);
              }
              throw e;
            }
            c.commit();
          } else {
            c.commit();
          }
        } catch (SQLException | RuntimeException e) {
          if (marked && (SqlErrors.isTransient(e, engine) || Retries.broken(c))) {
            throw new AmbiguousCommit(result, e);
          }
          throw e;
        }
        done = true;
        return result;
      } catch (SQLException | RuntimeException e) {
        if (!SqlErrors.isTransient(e, engine) && Retries.broken(c)) {
          statements.forget(c);
          throw new SQLRecoverableException("the connection was lost", "08006", e);
        }
        throw e;
      } finally {
        if (!done) {
          Retries.rollbackQuietly(c);
        }
      }
    }
  }

  /** Reads what a multi-statement's last statements answered (the marker, the COMMIT), so the connection is clean. */
  private static void drainResults(PreparedStatement s) throws SQLException {
    while (s.getMoreResults() || s.getUpdateCount() != -1) {
      // nothing to read
    }
  }

  @Override
  public void close() {
    if (sqlite != null) {
      sqlite.close();
    }
    if (checkpointer != null) {
      checkpointer.close();
    }
    statements.close();
    readers.close();
    if (writers != null) {
      writers.close();
    }
  }
}
