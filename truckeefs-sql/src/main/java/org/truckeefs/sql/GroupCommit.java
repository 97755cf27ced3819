package org.truckeefs.sql;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jooq.DSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;
import org.truckeefs.sql.Transactor.Body;

/**
 * Group commit on SQLite's single writer by flat combining: a writer queues its body, then whoever holds the
 * combiner lock runs every queued body in one transaction, each inside its own savepoint, and commits once. A body
 * that fails (an FsException such as EEXIST, or a statement error) is rolled back to its savepoint alone and gets
 * its own answer; the others commit. A transient failure (a busy file) or a failed COMMIT rolls the group back,
 * and its bodies then run one by one with the usual retries. A lone writer runs as before, with no savepoint and
 * no thread hand-off. Durability is unchanged: a group's COMMIT is like any other (not synced), and
 * {@link SqliteWalSync} syncs every commit before it.
 */
final class GroupCommit {
  /** Transactor's, like every failure of a metadata operation, so that one logger setting covers them all. */
  private static final Logger LOG = LoggerFactory.getLogger(Transactor.class);

  /** The most writes one SQLite transaction carries, so that a caller's wait stays bounded. */
  private static final int MAX_GROUP = 64;

  /** Runs one write in a transaction of its own, with the usual retries. */
  @FunctionalInterface
  interface Alone {
    Object write(String op, Body<?> body) throws FsException;
  }

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
  private final AtomicLong groupedWrites = new AtomicLong();
  private final SqlEngine engine;
  private final HikariDataSource writers;
  private final HotStatements statements;
  private final SqliteCheckpointer checkpointer;
  private final Alone alone;

  /** @param checkpointer SQLite's WAL checkpoint thread, told of every write and held off by the combiner; or null */
  GroupCommit(SqlEngine engine, HikariDataSource writers, HotStatements statements, SqliteCheckpointer checkpointer,
      Alone alone) {
    this.engine = engine;
    this.writers = writers;
    this.statements = statements;
    this.checkpointer = checkpointer;
    this.alone = alone;
    if (checkpointer != null) {
      checkpointer.holdWritersWith(combiner);
    }
  }

  long groupedWrites() {
    return groupedWrites.get();
  }

  @SuppressWarnings("unchecked")
  <T> T write(String op, Body<T> body) throws FsException {
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
      job.result = alone.write(job.op, job.body);
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
            DSLContext db = statements.context(c);
            Object result = job.body.run(db);
            DeferredStatements.execute(db, engine);
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
          Retries.rollbackQuietly(c);
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
}
