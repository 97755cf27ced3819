package org.truckeefs.sql;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.conf.RenderQuotedNames;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Runs each store operation as one transaction and retries it on transient failures (deadlock, lock wait timeout,
 * serialization failure, busy SQLite file, lost connection) with bounded exponential backoff and jitter.
 *
 * <p>A dozen lines of loop instead of a retry library (Failsafe, resilience4j): the policy is fixed, the loop must
 * open a fresh connection per attempt and roll back the failed one, and an {@link FsException} from the body (a
 * POSIX answer such as EEXIST) must pass straight through; a library would add a dependency for no less code.
 *
 * <p>SQLite has one writer connection (begun IMMEDIATE, so the write lock is taken up front and a transaction
 * never fails half-way to upgrade it) and a pool of readers that WAL lets run alongside it.
 */
final class Transactor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);
  static final int MAX_ATTEMPTS = 10;
  private static final long FIRST_BACKOFF_MICROS = 2_000;
  private static final long MAX_BACKOFF_MICROS = 500_000;

  static {
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
  }

  /** A transaction body; it may run more than once, so it must not have effects outside the database. */
  @FunctionalInterface
  interface Body<T> {
    T run(DSLContext db) throws FsException;
  }

  private final SqlEngine engine;
  private final HikariDataSource writers;
  private final HikariDataSource readers;
  private final Settings settings;

  Transactor(SqlEngine engine, HikariDataSource writers, HikariDataSource readers) {
    this.engine = engine;
    this.writers = writers;
    this.readers = readers;
    // No execute logging: jOOQ's debug log inlines bind values, and blob references are secrets.
    this.settings = new Settings()
        .withExecuteLogging(false)
        .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_QUOTED)
        .withRenderSchema(false);
  }

  SqlEngine engine() {
    return engine;
  }

  HikariDataSource writers() {
    return writers;
  }

  <T> T write(String op, Body<T> body) throws FsException {
    return run(op, writers, body);
  }

  <T> T read(String op, Body<T> body) throws FsException {
    return run(op, readers, body);
  }

  private <T> T run(String op, HikariDataSource pool, Body<T> body) throws FsException {
    RuntimeException last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        return once(pool, body);
      } catch (SQLException | RuntimeException e) {
        RuntimeException wrapped = e instanceof RuntimeException r ? r : new IllegalStateException(e);
        if (!SqlErrors.isTransient(e, engine)) {
          LOG.warn("metadata operation {} failed: {}", op, SqlErrors.describe(e));
          throw new FsException(FsError.IO, "metadata store failed in " + op + ": " + SqlErrors.describe(e), e);
        }
        last = wrapped;
        backoff(attempt);
      }
    }
    LOG.warn("metadata operation {} failed after {} attempts: {}", op, MAX_ATTEMPTS, SqlErrors.describe(last));
    throw new FsException(FsError.IO,
        "metadata store unavailable in " + op + " after " + MAX_ATTEMPTS + " attempts: " + SqlErrors.describe(last),
        last);
  }

  private <T> T once(HikariDataSource pool, Body<T> body) throws SQLException, FsException {
    try (Connection c = pool.getConnection()) {
      boolean done = false;
      try {
        T result = body.run(DSL.using(c, engine.dialect(), settings));
        c.commit();
        done = true;
        return result;
      } finally {
        if (!done) {
          rollbackQuietly(c);
        }
      }
    }
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      // The connection is broken; the pool evicts it and the transaction is gone with it.
    }
  }

  private static void backoff(int attempt) throws FsException {
    long cap = Math.min(MAX_BACKOFF_MICROS, FIRST_BACKOFF_MICROS << Math.min(attempt - 1, 20));
    long micros = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    try {
      TimeUnit.MICROSECONDS.sleep(micros);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while retrying a metadata operation");
    }
  }

  @Override
  public void close() {
    if (readers != writers) {
      readers.close();
    }
    writers.close();
  }
}
