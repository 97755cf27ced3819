package org.truckeefs.sql;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.sql.CommitMarkers.AmbiguousCommit;

/**
 * Retries an operation on transient failures (deadlock, lock wait timeout, serialization failure, busy SQLite file,
 * lost connection) with bounded exponential backoff and jitter.
 *
 * <p>A loop instead of a retry library (Failsafe, resilience4j): the loop must open a fresh connection per attempt,
 * roll back the failed one, let an {@link FsException} from the body (a POSIX answer such as EEXIST) pass straight
 * through, and resolve an ambiguous COMMIT ({@link CommitMarkers}); a library would add a dependency and still
 * need all of that.
 */
final class Retries {
  /** Transactor's, like every failure of a metadata operation, so that one logger setting covers them all. */
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);
  static final int MAX_ATTEMPTS = 12;
  static final long FIRST_BACKOFF_MICROS = 2_000;
  static final long MAX_BACKOFF_MICROS = 500_000;

  /** One attempt of an operation, with the marker token its COMMIT carries (0 when unmarked). */
  @FunctionalInterface
  interface Attempt<T> {
    T run(long token) throws SQLException, FsException, AmbiguousCommit;
  }

  /** Whether the attempt whose COMMIT carried {@code token} landed (its marker, or its own rows, are there). */
  @FunctionalInterface
  interface Landed {
    boolean landed(long token) throws SQLException;
  }

  /** Reads afresh the result of a write that committed although its attempt could not read one. */
  @FunctionalInterface
  interface Recovery<T> {
    T read() throws FsException;
  }

  private final SqlEngine engine;
  private final CommitMarkers markers;

  Retries(SqlEngine engine, CommitMarkers markers) {
    this.engine = engine;
    this.markers = markers;
  }

  /**
   * Runs {@code attempt} with the retries; a COMMIT that may have landed is looked up by its marker, and if it did,
   * the first attempt's result is returned, or when that attempt could not read one, {@code recover}'s.
   */
  <T> T retrying(String op, Attempt<T> once, Recovery<T> recover) throws FsException {
    return retrying(op, once, token -> markers.landed(token), recover); // no markers on SQLite: never asked there
  }

  /** {@link #retrying(String, Attempt, Recovery)} where {@code landed} tells whether a COMMIT landed. */
  @SuppressWarnings("unchecked")
  <T> T retrying(String op, Attempt<T> once, Landed landed, Recovery<T> recover) throws FsException {
    Exception last = null;
    Long pendingToken = null;
    Object pendingResult = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        if (pendingToken != null) {
          if (landed.landed(pendingToken)) {
            return recover != null && pendingResult == null ? recover.read() : (T) pendingResult;
          }
          pendingToken = null;
        }
        long token = ThreadLocalRandom.current().nextLong();
        try {
          return once.run(token);
        } catch (AmbiguousCommit e) {
          pendingToken = token;
          pendingResult = e.result;
          last = e;
        }
      } catch (SQLException | RuntimeException e) {
        if (!SqlErrors.isTransient(e, engine)) {
          throw SqlErrors.failed(op, e);
        }
        last = e;
      }
      if (attempt < MAX_ATTEMPTS) {
        backoff(attempt);
      }
    }
    LOG.warn("metadata operation {} failed after {} attempts: {}", op, MAX_ATTEMPTS, SqlErrors.describe(last));
    throw new FsException(FsError.IO,
        "metadata store unavailable in " + op + " after " + MAX_ATTEMPTS + " attempts: " + SqlErrors.describe(last),
        last);
  }

  /** Sleeps before attempt {@code attempt + 1} ({@link #pauseMicros}). */
  static void backoff(int attempt) throws FsException {
    try {
      TimeUnit.MICROSECONDS.sleep(pauseMicros(attempt));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(FsError.INTERRUPTED, "interrupted while retrying a metadata operation");
    }
  }

  /** The pause after failed attempt {@code attempt}: between half and all of a cap that doubles up to a bound. */
  static long pauseMicros(int attempt) {
    long cap = Math.min(MAX_BACKOFF_MICROS, FIRST_BACKOFF_MICROS << Math.min(attempt - 1, 20));
    return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
  }

  static boolean broken(Connection c) {
    try {
      return c.isClosed() || !c.isValid(2);
    } catch (SQLException | RuntimeException e) {
      return true;
    }
  }

  static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException | RuntimeException e) {
      // The connection is broken; the pool evicts it and the transaction is gone with it.
    }
  }
}
