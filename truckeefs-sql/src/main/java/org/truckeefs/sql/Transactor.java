package org.truckeefs.sql;

import static org.truckeefs.sql.Schema.M_CREATED;
import static org.truckeefs.sql.Schema.M_TOKEN;
import static org.truckeefs.sql.Schema.TX_MARKER;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jooq.DSLContext;
import org.jooq.Query;
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
 * <p>A loop instead of a retry library (Failsafe, resilience4j): the loop must open a fresh connection per attempt,
 * roll back the failed one, let an {@link FsException} from the body (a POSIX answer such as EEXIST) pass straight
 * through, and resolve an ambiguous COMMIT (below); a library would add a dependency and still need all of that.
 *
 * <p>When a MariaDB connection dies during COMMIT, the commit may or may not have landed. Every write transaction
 * therefore inserts a random token into {@code tx_marker}; after such a failure the token is looked up: if it is
 * there, the first attempt's result is returned, else the operation runs again. Without this a create retried after
 * a lost COMMIT would answer EEXIST for its own file.
 *
 * <p>Reads run on connections that idle in autocommit, one statement at a time: a read body never needs more than
 * READ COMMITTED gave it, and it saves the COMMIT round trip. Writes on MariaDB send the changes their body left
 * with {@link #atCommit}, the marker and the COMMIT in one round trip, so a create, unlink or rename costs two or
 * three round trips instead of seven to ten.
 *
 * <p>SQLite has one writer connection (begun IMMEDIATE, so the write lock is taken up front and a transaction
 * never fails half-way to upgrade it) and a pool of readers that WAL lets run alongside it.
 */
final class Transactor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);
  static final int MAX_ATTEMPTS = 12;
  private static final long FIRST_BACKOFF_MICROS = 2_000;
  private static final long MAX_BACKOFF_MICROS = 500_000;
  private static final Duration MARKER_TTL = Duration.ofHours(1);
  private static final int MARKER_SWEEP_EVERY = 2_000;

  static {
    System.setProperty("org.jooq.no-logo", "true");
    System.setProperty("org.jooq.no-tips", "true");
  }

  /** A transaction body; it may run more than once, so it must not have effects outside the database. */
  @FunctionalInterface
  interface Body<T> {
    T run(DSLContext db) throws FsException, SQLException;
  }

  /** What a failed statement left for the COMMIT means to the caller: throws the POSIX answer, or returns. */
  @FunctionalInterface
  interface FailureCheck {
    void check(DSLContext db) throws FsException;
  }

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
  }

  private static final String MARKER_AND_COMMIT = "INSERT INTO tx_marker (token, created) VALUES (?, ?); COMMIT";

  /** A jOOQ query, or an SQL string with its parameters (a hot statement, run from the statement cache). */
  private record Deferred(Query query, String sql, Object[] params, FailureCheck check) {}

  /** The connection a body runs on and its cached statements (see {@link #prepare}). */
  private record Statements(Connection connection, Map<String, PreparedStatement> cache, LongAdder sent) {}

  private static final String DEFERRED = "org.truckeefs.sql.deferred";
  private static final String STATEMENTS = "org.truckeefs.sql.statements";

  /**
   * {@code sql} prepared on the body's connection, parsed once per connection ({@link StatementCache}): for the
   * hot statements, which skip jOOQ's per-call rendering too. The caller binds every parameter and closes any
   * result set it opens (an open SQLite cursor would hold its read snapshot); it never closes the statement.
   */
  static PreparedStatement prepare(DSLContext db, String sql) throws SQLException {
    Statements s = (Statements) db.configuration().data(STATEMENTS);
    s.sent().increment();
    return StatementCache.prepare(s.cache(), s.connection(), sql);
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
      } else {
        throw new IllegalArgumentException("unsupported parameter type " + v.getClass().getName());
      }
    }
  }

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

  private static List<Deferred> deferred(DSLContext db) {
    @SuppressWarnings("unchecked")
    List<Deferred> list = (List<Deferred>) db.configuration().data(DEFERRED);
    if (list == null) {
      list = new ArrayList<>();
      db.configuration().data(DEFERRED, list);
    }
    return list;
  }

  private static void execute(DSLContext db, Deferred d) throws SQLException {
    if (d.query() != null) {
      ((Statements) db.configuration().data(STATEMENTS)).sent().increment();
      d.query().execute();
    } else {
      prepare(db, d.sql(), d.params()).executeUpdate();
    }
  }

  /** The statement with its values inlined, for MariaDB's one-round-trip COMMIT. */
  private static String inlined(DSLContext db, Deferred d) {
    return d.query() != null ? db.renderInlined(d.query()) : db.renderInlined(DSL.query(d.sql(), d.params()));
  }

  /** COMMIT failed in a way that leaves its outcome unknown. */
  private static final class AmbiguousCommit extends Exception {
    private static final long serialVersionUID = 1L;
    final transient Object result;

    AmbiguousCommit(Object result, Throwable cause) {
      super(cause);
      this.result = result;
    }
  }

  private final SqlEngine engine;
  private final HikariDataSource writers;
  private final HikariDataSource readers;
  private final Clock clock;
  private final Settings settings;
  private final StatementCache statements;
  private final SqliteCheckpointer checkpointer;
  /**
   * Hot statements and deferred changes sent, a multi-statement counting once: on MariaDB the round trips of the
   * namespace operations (a COMMIT sent alone and jOOQ's cold-path queries are not counted). For tests.
   */
  private final LongAdder sent = new LongAdder();

  Transactor(SqlEngine engine, HikariDataSource writers, HikariDataSource readers, Clock clock) {
    this(engine, writers, readers, clock, null);
  }

  /** @param checkpointer SQLite's WAL checkpoint thread, told of every write; null on MariaDB */
  Transactor(SqlEngine engine, HikariDataSource writers, HikariDataSource readers, Clock clock,
      SqliteCheckpointer checkpointer) {
    this.checkpointer = checkpointer;
    if (checkpointer != null) {
      checkpointer.holdWritersWith(combiner);
    }
    this.engine = engine;
    this.writers = writers;
    this.readers = readers;
    this.clock = clock;
    // No execute logging: jOOQ's debug log inlines bind values, and blob references are secrets.
    this.settings = new Settings()
        .withExecuteLogging(false)
        .withRenderQuotedNames(RenderQuotedNames.EXPLICIT_DEFAULT_QUOTED)
        .withRenderSchema(false);
    this.statements = new StatementCache(writers.getMaximumPoolSize()
        + (readers == writers ? 0 : readers.getMaximumPoolSize()));
  }

  SqlEngine engine() {
    return engine;
  }

  /** See {@link #sent}. */
  long statementsSent() {
    return sent.sum();
  }

  /** SQLite's WAL checkpoint thread, or null. For tests. */
  SqliteCheckpointer checkpointer() {
    return checkpointer;
  }

  private final java.util.concurrent.atomic.AtomicLong syncRequests = new java.util.concurrent.atomic.AtomicLong();
  /** The last request a finished WAL sync covered; written only by the holder of the single writer connection. */
  private volatile long syncedUpTo;

  /**
   * SQLite only: makes every earlier commit durable with one commit under synchronous=FULL (an fsync of the WAL).
   * A caller that finds, once it holds the single writer connection, that a sync started after its request has
   * finished returns at once: concurrent fsyncs share one disk sync.
   */
  void syncWal() throws FsException {
    long ticket = syncRequests.incrementAndGet();
    SQLException last = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try (Connection c = writers.getConnection()) {
        if (syncedUpTo >= ticket) {
          return;
        }
        long covers = syncRequests.get();
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA synchronous=FULL");
          // A commit that writes nothing syncs nothing: rewrite one row.
          try (java.sql.PreparedStatement p = c.prepareStatement(
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
      if (attempt < MAX_ATTEMPTS) {
        backoff(attempt);
      }
    }
    throw new FsException(FsError.IO, "metadata store unavailable in sync after " + MAX_ATTEMPTS + " attempts: "
        + SqlErrors.describe(last), last);
  }

  <T> T write(String op, Body<T> body) throws FsException {
    if (engine == SqlEngine.SQLITE) {
      return writeGrouped(op, body);
    }
    return run(op, writers, body, true, engine.commitCanBeAmbiguous());
  }

  /**
   * Runs a write in one round trip where the engine batches statements ({@link SqlEngine#batchesStatements}):
   * {@code sql} with {@code params}, then the marker and the COMMIT. Returns null on an engine that does not batch:
   * the caller then runs its write as an ordinary {@link #write}.
   */
  <T> T writeInOneTrip(String op, String sql, Object[] params, OneTrip<T> trip) throws FsException {
    if (!engine.batchesStatements() || !engine.commitCanBeAmbiguous()) {
      return null;
    }
    return retrying(op, token -> oneTrip(sql, params, trip, token), db -> trip.recover(db));
  }

  /** For tests: the next one-trip write commits, then fails as if its connection died before the answer came. */
  volatile boolean loseNextAnswer;

  private <T> T oneTrip(String sql, Object[] params, OneTrip<T> trip, long token)
      throws SQLException, FsException, AmbiguousCommit {
    try (Connection c = writers.getConnection()) {
      boolean done = false;
      try {
        DSLContext db = context(c);
        sweepMarkers(db);
        PreparedStatement s = prepare(db, sql + "; " + MARKER_AND_COMMIT);
        bind(s, params);
        s.setLong(params.length + 1, token);
        s.setLong(params.length + 2, SqlValues.nanos(clock.instant()));
        T result;
        try {
          s.execute();
          result = trip.results(s);
          // The marker's and the COMMIT's results: read them, so the connection is clean for the next statement.
          while (s.getMoreResults() || s.getUpdateCount() != -1) {
            // nothing to read
          }
          if (loseNextAnswer) {
            loseNextAnswer = false;
            throw new SQLRecoverableException("the answer to a committed write was lost (test)", "08006");
          }
        } catch (SQLException e) {
          if (!SqlErrors.isTransient(e, engine) && !broken(c)) {
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
        boolean lost = !SqlErrors.isTransient(e, engine) && broken(c);
        if (lost) {
          statements.forget(c);
        }
        if (lost || SqlErrors.isTransient(e, engine)) {
          // The COMMIT went out with everything else: whether it landed is known only from the marker.
          throw new AmbiguousCommit(null, e);
        }
        throw e;
      } finally {
        if (!done) {
          rollbackQuietly(c);
        }
      }
    }
  }

  // ---- group commit (SQLite) ----

  /** The most writes one SQLite transaction carries, so that a caller's wait stays bounded. */
  private static final int MAX_GROUP = 64;

  /** A write waiting for SQLite's single writer; its outcome is set by the combiner that ran it. */
  private static final class Job {
    final String op;
    final Body<?> body;
    boolean done;
    Object result;
    FsException failure;

    Job(String op, Body<?> body) {
      this.op = op;
      this.body = body;
    }
  }

  /** Held by the one caller that runs the pending writes (the combiner); guards every {@link Job}'s outcome. */
  private final ReentrantLock combiner = new ReentrantLock();
  private final ConcurrentLinkedQueue<Job> pending = new ConcurrentLinkedQueue<>();
  /** Writes committed as part of a group of two or more (for tests and diagnostics). */
  private final java.util.concurrent.atomic.AtomicLong groupedWrites = new java.util.concurrent.atomic.AtomicLong();

  long groupedWrites() {
    return groupedWrites.get();
  }

  /**
   * Group commit on SQLite's single writer by flat combining: a writer queues its body, then whoever holds the
   * combiner lock runs every queued body in one transaction, each inside its own savepoint, and commits once. A body
   * that fails (an FsException such as EEXIST, or a statement error) is rolled back to its savepoint alone and gets
   * its own answer; the others commit. A transient failure (a busy file) or a failed COMMIT rolls the group back,
   * and its bodies then run one by one with the usual retries. A lone writer runs as before, with no savepoint and
   * no thread hand-off. Durability is unchanged: a group's COMMIT is like any other (not synced), and
   * {@link #syncWal} syncs every commit before it.
   */
  @SuppressWarnings("unchecked")
  private <T> T writeGrouped(String op, Body<T> body) throws FsException {
    Job job = new Job(op, body);
    pending.add(job);
    combiner.lock();
    try {
      while (!job.done) {
        List<Job> group = new ArrayList<>();
        for (Job j; group.size() < MAX_GROUP && (j = pending.poll()) != null; ) {
          group.add(j);
        }
        if (group.size() == 1) {
          alone(group.get(0));
        } else if (!group.isEmpty()) {
          runGroup(group);
        }
      }
    } finally {
      combiner.unlock();
    }
    if (checkpointer != null) {
      checkpointer.wrote();
    }
    if (job.failure != null) {
      throw job.failure;
    }
    return (T) job.result;
  }

  private void alone(Job job) {
    try {
      job.result = run(job.op, writers, job.body, true, false);
    } catch (FsException e) {
      job.failure = e;
    }
    job.done = true;
  }

  private void runGroup(List<Job> group) {
    boolean committed = false;
    try (Connection c = writers.getConnection()) {
      c.setAutoCommit(false);
      try {
        Map<String, PreparedStatement> cache = statements.of(c);
        PreparedStatement savepoint = StatementCache.prepare(cache, c, "SAVEPOINT grouped");
        PreparedStatement release = StatementCache.prepare(cache, c, "RELEASE grouped");
        PreparedStatement rollbackTo = StatementCache.prepare(cache, c, "ROLLBACK TO grouped");
        for (Job job : group) {
          savepoint.execute();
          try {
            DSLContext db = context(c);
            Object result = job.body.run(db);
            @SuppressWarnings("unchecked")
            List<Deferred> deferred = (List<Deferred>) db.configuration().data(DEFERRED);
            if (deferred != null) {
              for (Deferred d : deferred) {
                try {
                  execute(db, d);
                } catch (SQLException | RuntimeException e) {
                  checkFailure(db, d, e);
                  throw e;
                }
              }
            }
            job.result = result;
          } catch (FsException e) {
            job.failure = e;
          } catch (SQLException | RuntimeException e) {
            if (SqlErrors.isTransient(e, engine)) {
              throw e;
            }
            LOG.warn("metadata operation {} failed: {}", job.op, SqlErrors.describe(e));
            job.failure = new FsException(FsError.IO,
                "metadata store failed in " + job.op + ": " + SqlErrors.describe(e), e);
          }
          if (job.failure != null) {
            rollbackTo.execute();
          }
          release.execute();
        }
        c.setAutoCommit(true);
        committed = true;
      } finally {
        if (!committed) {
          rollbackQuietly(c);
          try {
            c.setAutoCommit(true);
          } catch (SQLException | RuntimeException e) {
            // a broken connection; the pool drops it
          }
        }
      }
    } catch (SQLException | RuntimeException e) {
      // Nothing of the group committed: each body runs again on its own, with the usual retries and answers.
      LOG.debug("group of {} metadata writes rolled back, running them one by one: {}", group.size(),
          SqlErrors.describe(e));
    }
    if (committed) {
      groupedWrites.addAndGet(group.size());
    }
    for (Job job : group) {
      if (committed) {
        job.done = true;
      } else {
        job.result = null;
        job.failure = null;
        alone(job);
      }
    }
  }

  <T> T read(String op, Body<T> body) throws FsException {
    return run(op, readers, body, false, false);
  }

  /** One attempt of an operation, with the marker token its COMMIT carries (0 when unmarked). */
  @FunctionalInterface
  private interface Attempt<T> {
    T run(long token) throws SQLException, FsException, AmbiguousCommit;
  }

  private <T> T run(String op, HikariDataSource pool, Body<T> body, boolean write, boolean marked) throws FsException {
    return retrying(op, token -> once(pool, body, write, marked, token), null);
  }

  /**
   * Runs {@code attempt} with the retries; a COMMIT that may have landed is looked up by its marker, and if it did,
   * the first attempt's result is returned, or when that attempt could not read one, {@code recover}'s.
   */
  @SuppressWarnings("unchecked")
  private <T> T retrying(String op, Attempt<T> once, Body<T> recover) throws FsException {
    Exception last = null;
    Long pendingToken = null;
    Object pendingResult = null;
    for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      try {
        if (pendingToken != null) {
          if (landed(pendingToken)) {
            return recover != null && pendingResult == null ? read(op, recover) : (T) pendingResult;
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
          LOG.warn("metadata operation {} failed: {}", op, SqlErrors.describe(e));
          throw new FsException(FsError.IO, "metadata store failed in " + op + ": " + SqlErrors.describe(e), e);
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

  private <T> T once(HikariDataSource pool, Body<T> body, boolean write, boolean marked, long token)
      throws SQLException, FsException, AmbiguousCommit {
    try (Connection c = pool.getConnection()) {
      if (!write) {
        // Readers idle in autocommit: each statement reads the latest committed state, as READ COMMITTED did
        // inside a transaction, without the COMMIT round trip a transaction costs.
        try {
          return body.run(context(c));
        } catch (SQLException | RuntimeException e) {
          if (!SqlErrors.isTransient(e, engine) && broken(c)) {
            statements.forget(c);
            throw new SQLRecoverableException("the connection was lost", "08006", e);
          }
          throw e;
        }
      }
      boolean done = false;
      boolean sqlite = engine == SqlEngine.SQLITE;
      try {
        if (sqlite) {
          // sqlite-jdbc BEGINs again right after every COMMIT while autocommit is off, which on the IMMEDIATE
          // writer would hold the file's write lock between operations and shut other processes out. So SQLite
          // connections idle in autocommit, and each transaction is bracketed by switching it off and on.
          c.setAutoCommit(false);
        }
        DSLContext db = context(c);
        T result = body.run(db);
        if (marked) {
          sweepMarkers(db);
        }
        @SuppressWarnings("unchecked")
        List<Deferred> deferred = (List<Deferred>) db.configuration().data(DEFERRED);
        if (deferred == null) {
          deferred = List.of();
        }
        if (sqlite || !marked) {
          for (Deferred d : deferred) {
            try {
              execute(db, d);
            } catch (SQLException | RuntimeException e) {
              checkFailure(db, d, e);
              throw e;
            }
          }
        }
        try {
          if (sqlite) {
            c.setAutoCommit(true);
          } else if (marked) {
            // The deferred statements, the marker and the COMMIT travel in one round trip (allowMultiQueries); the
            // driver then knows the transaction is over, so commit() below sends nothing.
            StringBuilder sql = new StringBuilder();
            for (Deferred d : deferred) {
              sql.append(inlined(db, d)).append("; ");
            }
            sql.append("INSERT INTO tx_marker (token, created) VALUES (").append(token).append(", ")
                .append(SqlValues.nanos(clock.instant())).append("); COMMIT");
            try (Statement s = c.createStatement()) {
              sent.increment();
              s.execute(sql.toString());
            } catch (SQLException e) {
              if (!SqlErrors.isTransient(e, engine) && !broken(c)) {
                for (Deferred d : deferred) {
                  checkFailure(db, d, e);
                }
              }
              throw e;
            }
            c.commit();
          } else {
            c.commit();
          }
        } catch (SQLException | RuntimeException e) {
          if (marked && (SqlErrors.isTransient(e, engine) || broken(c))) {
            throw new AmbiguousCommit(result, e);
          }
          throw e;
        }
        done = true;
        return result;
      } catch (SQLException | RuntimeException e) {
        if (!SqlErrors.isTransient(e, engine) && broken(c)) {
          statements.forget(c);
          throw new SQLRecoverableException("the connection was lost", "08006", e);
        }
        throw e;
      } finally {
        if (!done) {
          rollbackQuietly(c);
          if (sqlite) {
            try {
              c.setAutoCommit(true);
            } catch (SQLException | RuntimeException e) {
              // a broken connection; the pool drops it
            }
          }
        }
      }
    }
  }

  /** Now and then (one write in {@link #MARKER_SWEEP_EVERY}) deletes the markers older than {@link #MARKER_TTL}. */
  private void sweepMarkers(DSLContext db) {
    if (ThreadLocalRandom.current().nextInt(MARKER_SWEEP_EVERY) == 0) {
      long old = SqlValues.nanos(clock.instant()) - MARKER_TTL.toNanos();
      db.deleteFrom(TX_MARKER).where(M_CREATED.lt(old)).execute();
    }
  }

  private DSLContext context(Connection c) throws SQLException {
    DSLContext db = DSL.using(c, engine.dialect(), settings);
    db.configuration().data(STATEMENTS, new Statements(c, statements.of(c), sent));
    return db;
  }

  private void checkFailure(DSLContext db, Deferred d, Exception e) throws FsException {
    if (d.check() != null && !SqlErrors.isTransient(e, engine)) {
      d.check().check(db);
    }
  }

  /** Whether the first attempt's COMMIT landed; a failure to find out is itself retried by the caller. */
  private boolean landed(long token) throws SQLException {
    try (Connection c = writers.getConnection()) {
      try {
        return DSL.using(c, engine.dialect(), settings).fetchExists(TX_MARKER, M_TOKEN.eq(token));
      } finally {
        rollbackQuietly(c);
      }
    }
  }

  private static boolean broken(Connection c) {
    try {
      return c.isClosed() || !c.isValid(2);
    } catch (SQLException | RuntimeException e) {
      return true;
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
    if (checkpointer != null) {
      checkpointer.close();
    }
    statements.close();
    if (readers != writers) {
      readers.close();
    }
    writers.close();
  }
}
