package org.truckeefs.sql;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * The one place where SQL failures become {@link FsError}s: what is worth retrying, and the one-line messages for
 * connection problems at start-up. Messages never carry values from statements (blob references are secrets).
 */
final class SqlErrors {
  private SqlErrors() {}

  private static final int ER_ACCESS_DENIED = 1045;
  private static final int ER_BAD_DB = 1049;
  private static final int ER_DBACCESS_DENIED = 1044;
  private static final int ER_LOCK_WAIT_TIMEOUT = 1205;
  private static final int ER_LOCK_DEADLOCK = 1213;
  private static final int ER_CONNECTION_KILLED = 1927;
  private static final int ER_QUERY_INTERRUPTED = 1317;
  private static final int CR_SERVER_GONE = 2006;
  private static final int CR_SERVER_LOST = 2013;
  private static final int SQLITE_BUSY = 5;
  private static final int SQLITE_LOCKED = 6;
  /** SQLite could not grow its file or journal: the disk is full. */
  private static final int SQLITE_FULL = 13;
  /** MariaDB/MySQL: a table cannot grow (its disk or tablespace is full). */
  private static final int ER_RECORD_FILE_FULL = 1114;

  /** Transactor's, like every failure of a metadata operation, so that one logger setting covers them all. */
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);

  /** A metadata operation that failed for good (not transiently): logged, and EIO naming the operation. */
  static FsException failed(String op, Throwable e) {
    LOG.warn("metadata operation {} failed: {}", op, describe(e));
    return io(op, e);
  }

  /**
   * The errno a failed operation reports, for callers that log the failure their own way: ENOSPC when the metadata's
   * disk is full (as a full local disk is), else EIO.
   */
  static FsException io(String op, Throwable e) {
    if (isDiskFull(e)) {
      return new FsException(FsError.NO_SPACE, "metadata store failed in " + op + ": its disk is full: "
          + describe(e), e);
    }
    return new FsException(FsError.IO, "metadata store failed in " + op + ": " + describe(e), e);
  }

  /**
   * SQLite's SQLITE_FULL, MariaDB's full table, or a file write's ENOSPC (the JDK's "No space left on device": the
   * redo log's) anywhere in the causes.
   */
  static boolean isDiskFull(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof IOException && String.valueOf(t.getMessage()).contains("No space left")) {
        return true;
      }
      // SQLite's codes (with their extended bits) stay below MariaDB's, which start at 1000
      if (t instanceof SQLException s && (s.getErrorCode() < 1000 && (s.getErrorCode() & 0xff) == SQLITE_FULL
          || s.getErrorCode() == ER_RECORD_FILE_FULL)) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** Deadlocks, lock wait timeouts, serialization failures, busy SQLite files and lost connections. */
  static boolean isTransient(Throwable failure, SqlEngine engine) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientException || t instanceof SQLRecoverableException
          || t instanceof SQLNonTransientConnectionException) {
        return true;
      }
      if (t instanceof SQLException s) {
        String state = s.getSQLState() == null ? "" : s.getSQLState();
        int code = s.getErrorCode();
        if (state.startsWith("40") || state.startsWith("08") || state.equals("70100")) {
          return true;
        }
        if (engine == SqlEngine.MARIADB && (code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT
            || code == ER_CONNECTION_KILLED || code == ER_QUERY_INTERRUPTED || code == CR_SERVER_GONE
            || code == CR_SERVER_LOST)) {
          return true;
        }
        if (engine == SqlEngine.SQLITE && ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED)) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** SQLState, vendor code and class of the innermost SQL failure: enough to diagnose, free of statement values. */
  static String describe(Throwable failure) {
    SQLException sql = null;
    for (Throwable t = failure; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof SQLException s) {
        sql = s;
      }
    }
    if (sql == null) {
      return failure.getClass().getSimpleName();
    }
    return sql.getClass().getSimpleName() + " (SQLState " + sql.getSQLState() + ", code " + sql.getErrorCode() + ")";
  }

  /** Maps a failure to connect to MariaDB at start-up to a one-line message that names the setting to fix. */
  static FsException connectFailure(SQLException e, MariaDbTarget target) {
    int code = e.getErrorCode();
    String where = "MariaDB at " + target.hostAndPort();
    if (code == ER_ACCESS_DENIED) {
      return new FsException(FsError.ACCESS_DENIED,
          where + " refused user '" + target.user() + "' (access denied): check sql_user and sql_pass");
    }
    if (code == ER_DBACCESS_DENIED) {
      return new FsException(FsError.ACCESS_DENIED,
          "user '" + target.user() + "' may not use database '" + target.database() + "' on " + where
              + ": grant access or fix sql_db / sql_user");
    }
    if (code == ER_BAD_DB) {
      return new FsException(FsError.NOT_FOUND,
          "database '" + target.database() + "' does not exist on " + where + ": create it or fix sql_db");
    }
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof UnknownHostException) {
        return new FsException(FsError.IO, "unknown host '" + target.host() + "': check sql_host");
      }
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return new FsException(FsError.IO, "cannot connect to " + where + " (connection refused): check sql_host and"
            + " sql_port, and that MariaDB is running");
      }
      if (t instanceof SocketTimeoutException) {
        return new FsException(FsError.TIMED_OUT,
            "no answer from " + where + " within the connect timeout: check sql_host and sql_port");
      }
    }
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    if (state.startsWith("08")) {
      return new FsException(FsError.IO, "cannot connect to " + where + ": check sql_host, sql_port and sql_ssl ("
          + describe(e) + ")");
    }
    return new FsException(FsError.IO, "cannot open database '" + target.database() + "' on " + where + ": "
        + describe(e));
  }
}
