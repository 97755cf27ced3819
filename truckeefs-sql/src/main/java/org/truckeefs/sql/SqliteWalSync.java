package org.truckeefs.sql;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * SQLite only: makes every earlier commit durable with one commit under synchronous=FULL (an fsync of the WAL).
 * A caller that finds, once it holds the single writer connection, that a sync started after its request has
 * finished returns at once: concurrent fsyncs share one disk sync.
 */
final class SqliteWalSync {
  private final SqlEngine engine;
  private final HikariDataSource writers;
  private final AtomicLong syncRequests = new AtomicLong();
  /** The last request a finished WAL sync covered; written only by the holder of the single writer connection. */
  private volatile long syncedUpTo;

  SqliteWalSync(SqlEngine engine, HikariDataSource writers) {
    this.engine = engine;
    this.writers = writers;
  }

  void sync() throws FsException {
    long ticket = syncRequests.incrementAndGet();
    SQLException last = null;
    for (int attempt = 1; attempt <= Retries.MAX_ATTEMPTS; attempt++) {
      try (Connection c = writers.getConnection()) {
        if (syncedUpTo >= ticket) {
          return;
        }
        long covers = syncRequests.get();
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA synchronous=FULL");
          // A commit that writes nothing syncs nothing: rewrite one row.
          try (PreparedStatement p = c.prepareStatement(
              "INSERT INTO sync_mark (k, n) VALUES (1, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n")) {
            p.setLong(1, covers);
            p.executeUpdate();
          } finally {
            s.execute("PRAGMA synchronous=NORMAL");
          }
        }
        syncedUpTo = covers;
        return;
      } catch (SQLException e) {
        if (!SqlErrors.isTransient(e, engine)) {
          throw new FsException(FsError.IO, "metadata store failed in sync: " + SqlErrors.describe(e), e);
        }
        last = e;
      }
      if (attempt < Retries.MAX_ATTEMPTS) {
        Retries.backoff(attempt);
      }
    }
    throw new FsException(FsError.IO, "metadata store unavailable in sync after " + Retries.MAX_ATTEMPTS
        + " attempts: " + SqlErrors.describe(last), last);
  }
}
