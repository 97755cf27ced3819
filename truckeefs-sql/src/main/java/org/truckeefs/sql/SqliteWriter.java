package org.truckeefs.sql;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.sql.Transactor.Body;
import org.truckeefs.sql.Transactor.Written;

/**
 * SQLite's single writer, with write-behind: writes run inside one open transaction, each in a savepoint, and return
 * once their statements are in the redo log ({@link RedoLog}); the transaction commits every {@link #window} (or
 * every {@link #maxUncommitted} writes, at {@link #sync} and at close). A process crash keeps the redo log, and the
 * next open replays what the last commit does not cover, so a write that returned survives a crash of the process,
 * as a commit under synchronous=NORMAL did; a power loss loses what no {@link #sync} covered, as before. What this
 * saves is the commit per write: its lock round in the WAL's shared memory and the WAL frames of every page it
 * touched, which a batch writes once.
 *
 * <p>Reads see the writes that returned. While writes are uncommitted, a read of a few rows runs on this connection
 * (under the lock, so it waits for the group being written), and a scan (a listing page, a sweep, a count) commits
 * them first and runs on the pool of readers; otherwise both run on the readers, alongside writes, as WAL allows.
 *
 * <p>Concurrent writers share the lock's turns by flat combining: a writer queues its body, then whoever holds the
 * lock runs every queued body, each in its own savepoint, and appends each one's redo entry (a copy into the mapped
 * log) before that savepoint ends. A body that fails (an FsException such as EEXIST, or a statement error), or whose
 * entry the log refuses, is rolled back to its savepoint alone; the others stand. A body that makes its checks before
 * its first change ({@link Transactor.ChecksFirst}: a create, a content commit) runs without a savepoint; if it fails
 * after a change all the same, the transaction is undone and the redo log replayed ({@link #restore}).
 *
 * <p>Lock order: {@link #lock}, then nothing; {@link SqliteCheckpointer} takes it (its second step, which also
 * commits the open transaction on this connection), never the other way. It is held across SQL run in this
 * process's memory and the redo log's appends (copies into its mapping; a growth writes zeros to the file), and, as
 * the single writer connection always was, across a commit's WAL writes and {@link #sync}'s WAL fsync.
 */
final class SqliteWriter implements AutoCloseable {
  /** Transactor's, like every failure of a metadata operation, so that one logger setting covers them all. */
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);

  /**
   * How long a write stays uncommitted at most: short enough that other processes (fsck, a backup of the file)
   * see a change almost at once and that reads rarely find writes pending; long enough that a burst of creates
   * shares one commit (at 5,000 writes a second, 50 per commit).
   */
  static final Duration WINDOW = Duration.ofMillis(10);
  /** The most writes one transaction carries (bounds the redo log and the dirty pages in memory). */
  static final int MAX_UNCOMMITTED = 4096;
  /** How long a writer spins for the lock before it parks ({@link #runUntilDone}). */
  static final long SPIN_NANOS = 20_000;
  /** The most writes one turn of the lock runs, so that a caller's wait stays bounded. */
  private static final int MAX_GROUP = 64;
  /** The redo log is emptied after a commit once it is this long. */
  private static final long RESET_ABOVE = 1 << 20;
  /** sync_mark's row that holds the last redo entry a commit covers (row 1 is {@link #sync}'s). */
  private static final int REDO_MARK = 2;
  private static final String SET_MARK =
      "INSERT INTO sync_mark (k, n) VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET n = excluded.n";

  /** A write waiting for the lock; its outcome is set by the holder that ran it. */
  private static final class Job {
    final String op;
    final Body<?> body;
    /** Set last, by the thread that ran it: what a waiter reads after seeing it (volatile) is complete. */
    volatile boolean done;
    /** Its redo entry is in the log: it stands even if the transaction fails later (the log replays it). */
    boolean logged;
    Object result;
    FsException failure;

    Job(String op, Body<?> body) {
      this.op = op;
      this.body = body;
    }
  }

  /** The answer of {@link #readIfUncommitted} when nothing is uncommitted: read on the pool instead. */
  static final Object COMMITTED = new Object();

  private final ReentrantLock lock = new ReentrantLock();
  private final ConcurrentLinkedQueue<Job> pending = new ConcurrentLinkedQueue<>();
  private final SqlEngine engine = SqlEngine.SQLITE;
  private final Connection connection;
  private final StatementRecorder recorder;
  private final RedoLog redo;
  private final HotStatements statements;
  private final SqliteCheckpointer checkpointer;
  private final Duration window;
  private final int maxUncommitted;
  private final AtomicLong groupedWrites = new AtomicLong();
  private final AtomicLong commits = new AtomicLong();
  private final AtomicLong syncRequests = new AtomicLong();
  private final AtomicLong restores = new AtomicLong();
  /** The native database behind {@link #connection}: its count of changed rows ({@link Transactor.ChecksFirst}). */
  private final org.sqlite.core.DB sqlite;
  private final Thread committer;

  // Guarded by lock.
  private boolean open;
  private long nextSeq;
  private int uncommitted;
  private long syncedUpTo;
  /** Why the last restore could not replay the redo log (a full disk), or null: see {@link #replayStillFailing}. */
  private FsException replayFailure;
  /** The context every body on {@link #connection} runs on ({@link HotStatements#next}); null until the first. */
  private DSLContext db;
  /**
   * {@link #nextSeq} when the last sync made every write durable; none since then (and nothing uncommitted) lets a
   * sync return at once. Unset at open and after a restore: the first sync always syncs.
   */
  private long durableAt = Long.MIN_VALUE;
  /** When the oldest uncommitted write returned (System.nanoTime); written under the lock. */
  private volatile long oldestUncommitted;
  /** Whether writes that returned are not committed yet: reads then run here. */
  private volatile boolean dirty;
  private volatile boolean closing;
  /** Set by {@link #crashForTest}: a later {@link #close} (the test's try-with-resources) then does nothing. */
  private volatile boolean crashed;

  /**
   * @param connection the writer connection, wrapped by {@code recorder}, idle in autocommit
   * @param checkpointer told of every commit and given the lock for its second step; or null
   */
  SqliteWriter(Connection connection, StatementRecorder recorder, RedoLog redo, HotStatements statements,
      SqliteCheckpointer checkpointer, Duration window, int maxUncommitted) throws FsException {
    this.connection = connection;
    this.recorder = recorder;
    this.redo = redo;
    this.statements = statements;
    this.checkpointer = checkpointer;
    this.window = window;
    this.maxUncommitted = maxUncommitted;
    try {
      this.sqlite = connection.unwrap(org.sqlite.SQLiteConnection.class).getDatabase();
    } catch (SQLException e) {
      throw SqlErrors.io("open the metadata writer", e);
    }
    lock.lock();
    try {
      this.nextSeq = replay(connection, redo) + 1;
    } finally {
      lock.unlock();
    }
    if (checkpointer != null) {
      checkpointer.holdWritersWith(lock, () -> !dirty, this::commitOrRestore);
    }
    this.committer = new Thread(this::commitLoop, "truckeefs-sqlite-commit");
    committer.setDaemon(true);
    committer.start();
  }

  long groupedWrites() {
    return groupedWrites.get();
  }

  long commits() {
    return commits.get();
  }

  /** How often a failed write undid the open transaction and replayed the redo log (for tests). */
  long restores() {
    return restores.get();
  }

  @SuppressWarnings("unchecked")
  <T> T write(String op, Body<T> body) throws FsException {
    Job job = new Job(op, body);
    pending.add(job);
    runUntilDone(job);
    if (job.failure != null) {
      throw job.failure;
    }
    return (T) job.result;
  }

  /**
   * Writes several independent bodies, each as {@link #write} would (its own savepoint: a failing one is undone
   * alone), queued together so that one turn of the lock usually runs them all: a caller that gathered many
   * writes (the commits of many uploads) takes the lock once instead of each of them taking it in turn.
   */
  @SuppressWarnings("unchecked")
  <T> List<Written<T>> writeAll(String op, List<? extends Body<T>> bodies) {
    List<Job> jobs = new ArrayList<>(bodies.size());
    for (Body<T> b : bodies) {
      Job job = new Job(op, b);
      jobs.add(job);
      pending.add(job);
    }
    if (!jobs.isEmpty()) {
      // Groups run the queue in order: once the last job is done, so are the others.
      runUntilDone(jobs.get(jobs.size() - 1));
    }
    List<Written<T>> out = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      out.add(new Written<>((T) job.result, job.failure));
    }
    return out;
  }

  /**
   * Runs queued groups until {@code job} has run, perhaps in a group another thread ran. While the lock is held, the
   * caller spins for up to {@link #SPIN_NANOS} (the holder's turn usually ends sooner, often with this job run)
   * before it parks on the lock: a parked writer must be woken by the holder's unlock, a futex wake that on a VM's
   * two cores cost the closing thread of a small file a quarter of its time in waits and wakes (async-profiler, wall
   * clock; {@code benchmarks.md}).
   */
  private void runUntilDone(Job job) {
    long spinUntil = System.nanoTime() + SPIN_NANOS;
    while (!lock.tryLock()) {
      if (job.done) {
        return;
      }
      if (System.nanoTime() - spinUntil > 0) {
        lock.lock();
        break;
      }
      Thread.onSpinWait();
    }
    try {
      while (!job.done) {
        List<Job> group = new ArrayList<>();
        for (Job j; group.size() < MAX_GROUP && (j = pending.poll()) != null; ) {
          group.add(j);
        }
        if (!group.isEmpty()) {
          runGroup(group);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs a read here if writes are uncommitted (so that it sees them), else answers {@link #COMMITTED}: the pool's
   * readers then see every write that returned.
   */
  Object readIfUncommitted(String op, Body<?> body) throws FsException {
    if (!dirty) {
      return COMMITTED;
    }
    lock.lock();
    try {
      if (!dirty) {
        return COMMITTED;
      }
      db = statements.next(connection, db);
      return body.run(db);
    } catch (SQLException | RuntimeException e) {
      throw SqlErrors.failed(op, e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Before a scan on the readers' pool ({@link Transactor#scan}): commits the writes that returned and are not
   * committed yet, so that the scan sees them without holding this writer's lock for its length.
   */
  void commitForReaders(String op) throws FsException {
    if (!dirty) {
      return;
    }
    lock.lock();
    try {
      commit();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("committing metadata writes before {} failed, restoring them from the redo log: {}", op,
          SqlErrors.describe(e));
      restore();
      throw SqlErrors.io(op, e);
    } finally {
      lock.unlock();
    }
  }

  private void runGroup(List<Job> group) {
    try {
      FsException unreplayed = replayStillFailing();
      if (unreplayed != null) {
        for (Job job : group) {
          job.failure = refusedFor(job.op, unreplayed);
        }
        return;
      }
      StatementCache.Statements cache = statements.of(connection);
      PreparedStatement savepoint = cache.prepare(connection, "SAVEPOINT w");
      PreparedStatement release = cache.prepare(connection, "RELEASE w");
      PreparedStatement rollbackTo = cache.prepare(connection, "ROLLBACK TO w");
      // Each write is its own outermost savepoint, and its redo entry is appended before the savepoint ends: a
      // savepoint around the whole group (to undo it when the log refused the group's entries) kept every write's
      // pages in SQLite's statement journal until the group ended, which past 64 KiB (a few writes) SQLite moves to
      // a temp file for the rest of the transaction, so that every later write paid a write(2) per page it changed
      // (benchmarks.md). Now the journal holds one write's pages, in memory, and an entry the log refuses undoes
      // its write alone.
      // A body that checks first (Transactor.ChecksFirst) runs without one: if it fails, it changed nothing (SQLite
      // undoes a failed statement by itself), unless the count of changed rows says otherwise; then the transaction
      // is undone and the redo log replayed, as after a failed commit.
      long appended = 0;
      for (Job job : group) {
        if (replayFailure != null) {
          // an undo below could not replay the log: the rest of the group must not run on the state it left
          job.failure = refusedFor(job.op, replayFailure);
          continue;
        }
        begin();
        boolean guarded = !(job.body instanceof Transactor.ChecksFirst);
        long changesBefore = 0;
        if (guarded) {
          savepoint.execute();
        } else {
          changesBefore = sqlite.total_changes();
        }
        recorder.start();
        List<RedoLog.Statement> executed;
        try {
          db = statements.next(connection, db);
          job.result = job.body.run(db);
          DeferredStatements.execute(db, engine);
        } catch (FsException e) {
          job.failure = e;
        } catch (SQLException | RuntimeException e) {
          job.failure = SqlErrors.failed(job.op, e);
        } finally {
          executed = recorder.stop();
        }
        if (job.failure == null && !executed.isEmpty()) {
          try {
            redo.append(List.of(new RedoLog.Entry(nextSeq, executed)));
            job.logged = true;
            nextSeq++;
            appended++;
          } catch (IOException | RuntimeException e) {
            FsError error = SqlErrors.isDiskFull(e) ? FsError.NO_SPACE : FsError.IO;
            LOG.warn("cannot append to the metadata redo log {}: {}", redo.file(), e.toString());
            job.failure = new FsException(error, "cannot append to the metadata redo log " + redo.file() + ": " + e);
          }
        }
        boolean undoAll = false;
        if (job.failure != null) {
          job.result = null;
          if (guarded) {
            rollbackTo.execute();
          } else {
            undoAll = sqlite.total_changes() != changesBefore;
          }
        }
        if (guarded) {
          release.execute();
        }
        if (undoAll) {
          LOG.debug("{} failed after changing rows ({}); undoing the open transaction", job.op,
              job.failure.getMessage());
          restores.incrementAndGet();
          restore();
          appended = 0; // the replay committed them
        }
      }
      if (appended > 0) {
        uncommitted += appended;
        if (!dirty) {
          oldestUncommitted = System.nanoTime();
          dirty = true;
          LockSupport.unpark(committer);
        }
      }
      if (uncommitted == 0) {
        // Nothing written (every write failed or changed nothing): do not hold the file's write lock for it.
        connection.rollback();
        connection.setAutoCommit(true);
        open = false;
      }
      if (group.size() > 1) {
        groupedWrites.addAndGet(group.size());
      }
      if (uncommitted >= maxUncommitted) {
        commit();
      }
    } catch (SQLException | RuntimeException e) {
      // The transaction itself failed (an I/O error): what the redo log holds is put back; the writes of the group
      // that are not in it fail.
      LOG.warn("metadata writes failed, restoring the uncommitted ones from the redo log: {}", SqlErrors.describe(e));
      for (Job job : group) {
        if (job.failure == null && !job.logged) {
          job.result = null;
          job.failure = SqlErrors.io(job.op, e);
        }
      }
      restore();
    } finally {
      for (Job job : group) {
        job.done = true;
      }
    }
  }

  private void begin() throws SQLException {
    if (!open) {
      // BEGIN IMMEDIATE (the connection's transaction mode): the write lock up front, held until the commit.
      connection.setAutoCommit(false);
      open = true;
    }
  }

  /** Commits the open transaction with the redo mark it covers. Holds the lock. */
  private void commit() throws SQLException {
    if (!open) {
      return;
    }
    PreparedStatement mark = statements.of(connection).prepare(connection, SET_MARK);
    mark.setInt(1, REDO_MARK);
    mark.setLong(2, nextSeq - 1);
    mark.executeUpdate();
    // sqlite-jdbc BEGINs again after a COMMIT while autocommit is off, which would hold the file's write lock
    // between batches and shut other processes out: the connection idles in autocommit instead.
    connection.setAutoCommit(true);
    open = false;
    uncommitted = 0;
    dirty = false;
    durableAt = Long.MIN_VALUE;
    commits.incrementAndGet();
    if (redo.size() > RESET_ABOVE) {
      try {
        redo.reset();
      } catch (IOException e) {
        LOG.warn("cannot empty the metadata redo log {}: {}", redo.file(), e.toString());
      }
    }
    if (checkpointer != null) {
      checkpointer.wrote();
    }
  }

  /**
   * Commits the open transaction, or restores it from the redo log if that fails. Holds the lock. Run every
   * {@link #window} by the commit thread, and by the checkpointer's second step, so that the next transaction
   * begins on a WAL its checkpoint copied whole and starts it over ({@link SqliteCheckpointer}).
   */
  private void commitOrRestore() {
    try {
      commit();
    } catch (SQLException | RuntimeException e) {
      LOG.warn("committing metadata writes failed, restoring them from the redo log: {}", SqlErrors.describe(e));
      restore();
    }
  }

  /**
   * After a failed transaction: rolls back, replays the redo log's uncommitted entries. If the replay fails (a full
   * disk), {@link #replayFailure} keeps writes and syncs from running until a later replay succeeds. Holds the lock.
   */
  private void restore() {
    boolean retry = replayFailure != null;
    replayFailure = null;
    Retries.rollbackQuietly(connection);
    try {
      connection.setAutoCommit(true);
    } catch (SQLException | RuntimeException e) {
      // reported by the next write
    }
    open = false;
    uncommitted = 0;
    dirty = false;
    try {
      long mark = replay(connection, redo);
      nextSeq = mark + 1;
    } catch (FsException e) {
      replayFailure = e;
      if (retry) {
        LOG.debug("the replay failed again: {}", e.getMessage());
      } else {
        LOG.error("{}; metadata writes fail until the replay succeeds", e.getMessage());
      }
    }
  }

  /**
   * Tries a failed replay again ({@link #replayFailure}); if it fails again, the error every write and sync gets
   * meanwhile: the database lacks writes that returned, and a write run on it would be recorded against the wrong
   * state (a new inode could take the id of one the replay will put back). Holds the lock.
   */
  private FsException replayStillFailing() {
    if (replayFailure == null) {
      return null;
    }
    restore();
    return replayFailure;
  }

  /** The answer to {@code op} while the redo log cannot be replayed: the replay's own error (ENOSPC or EIO). */
  private static FsException refusedFor(String op, FsException replay) {
    return new FsException(replay.error(), op + ": " + replay.getMessage(), replay);
  }

  /**
   * Applies the redo log's entries after the last commit's mark, in one transaction, then empties the log; returns
   * the mark now committed. {@code connection} idles in autocommit, and nothing else writes on it meanwhile.
   */
  static long replay(Connection connection, RedoLog redo) throws FsException {
    try {
      long mark = readMark(connection);
      List<RedoLog.Entry> entries = redo.readAll();
      long expected = mark + 1;
      int applied = 0;
      for (RedoLog.Entry e : entries) {
        if (e.seq() < expected) {
          continue;
        }
        if (e.seq() > expected) {
          break; // a gap: the commit that covered the rest was lost with the power, and so was the rest
        }
        if (applied == 0) {
          connection.setAutoCommit(false);
        }
        for (RedoLog.Statement s : e.statements()) {
          execute(connection, s);
        }
        applied++;
        expected++;
      }
      if (applied > 0) {
        try (PreparedStatement p = connection.prepareStatement(SET_MARK)) {
          p.setInt(1, REDO_MARK);
          p.setLong(2, expected - 1);
          p.executeUpdate();
        }
        connection.setAutoCommit(true);
        LOG.info("replayed {} metadata writes from the redo log {}", applied, redo.file());
      }
      redo.reset();
      return expected - 1;
    } catch (SQLException | IOException | RuntimeException e) {
      Retries.rollbackQuietly(connection);
      throw new FsException(SqlErrors.isDiskFull(e) ? FsError.NO_SPACE : FsError.IO,
          "cannot replay the metadata redo log " + redo.file() + ": "
          + (e instanceof SQLException s ? SqlErrors.describe(s) : e.toString())
          + " (keep the file: it holds the last writes; move it aside to start without them)", e);
    }
  }

  private static long readMark(Connection connection) throws SQLException {
    try (PreparedStatement p = connection.prepareStatement("SELECT n FROM sync_mark WHERE k = ?")) {
      p.setInt(1, REDO_MARK);
      try (ResultSet r = p.executeQuery()) {
        return r.next() ? r.getLong(1) : 0;
      }
    }
  }

  private static void execute(Connection connection, RedoLog.Statement s) throws SQLException {
    try (PreparedStatement p = connection.unwrap(Connection.class).prepareStatement(s.sql())) {
      Object[] params = s.params();
      for (int i = 0; i < params.length; i++) {
        Object v = params[i];
        if (v == null) {
          p.setNull(i + 1, java.sql.Types.NULL);
        } else {
          p.setObject(i + 1, v);
        }
      }
      if (p.execute()) {
        p.getResultSet().close();
      }
    }
  }

  /**
   * Makes every write that returned before this call durable: commits the open transaction, then one commit under
   * synchronous=FULL (an fsync of the WAL). A caller that finds, once it holds the lock, that a sync started after
   * its request has finished returns at once: concurrent fsyncs share one disk sync. So does one that finds no write
   * since the last sync: fsyncs of files committed before an earlier fsync (200 small files written, then each
   * fsynced) cost no disk sync each.
   */
  void sync() throws FsException {
    long ticket = syncRequests.incrementAndGet();
    lock.lock();
    try {
      if (syncedUpTo >= ticket) {
        return;
      }
      long covers = syncRequests.get();
      FsException unreplayed = replayStillFailing();
      if (unreplayed != null) {
        throw refusedFor("sync", unreplayed);
      }
      if (!dirty && nextSeq == durableAt) {
        syncedUpTo = covers;
        return;
      }
      long writes = nextSeq;
      commit();
      try (Statement s = connection.createStatement()) {
        s.execute("PRAGMA synchronous=FULL");
        // A commit that writes nothing syncs nothing: rewrite one row.
        try (PreparedStatement p = connection.prepareStatement(SET_MARK)) {
          p.setInt(1, 1);
          p.setLong(2, covers);
          p.executeUpdate();
        } finally {
          s.execute("PRAGMA synchronous=NORMAL");
        }
      }
      syncedUpTo = covers;
      durableAt = writes;
    } catch (SQLException | RuntimeException e) {
      restore();
      throw SqlErrors.io("sync", e);
    } finally {
      lock.unlock();
    }
  }

  /** Commits every {@link #window}, on a thread of its own, what writes left uncommitted. */
  private void commitLoop() {
    long windowNanos = window.toNanos();
    while (!closing) {
      long due = oldestUncommitted + windowNanos - System.nanoTime();
      if (!dirty) {
        LockSupport.park(this); // the first uncommitted write wakes this thread
        continue;
      }
      if (due > 0) {
        LockSupport.parkNanos(this, due);
        continue;
      }
      lock.lock();
      try {
        commitOrRestore();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Commits what is left, stops the commit thread, empties the redo log and closes the connection. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(committer);
    try {
      committer.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (crashed) {
      return; // the crash closed the rest, and what it left in the redo log stays for the next start to replay
    }
    lock.lock();
    try {
      FsException unreplayed = replayStillFailing();
      if (unreplayed != null) {
        // The log holds writes that returned and that the database lacks: emptying it would lose them.
        LOG.warn("closing the metadata store left writes in the redo log {} (replayed at the next start): {}",
            redo.file(), unreplayed.getMessage());
      } else {
        commit();
        redo.reset();
      }
    } catch (SQLException | IOException | RuntimeException e) {
      LOG.warn("closing the metadata store left writes in the redo log {} (replayed at the next start): {}",
          redo.file(), e.toString());
    } finally {
      lock.unlock();
    }
    try {
      redo.close();
    } catch (IOException e) {
      LOG.debug("closing the redo log failed: {}", e.toString());
    }
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing the writer connection failed: {}", SqlErrors.describe(e));
    }
  }

  /** For tests: drops the connection as a crash would (uncommitted writes are lost, the redo log stays). */
  void crashForTest() {
    crashed = true;
    closing = true;
    LockSupport.unpark(committer);
    lock.lock();
    try {
      Retries.rollbackQuietly(connection);
      redo.close();
      connection.close();
    } catch (SQLException | IOException e) {
      // as a crash
    } finally {
      lock.unlock();
    }
  }
}
