package org.truckeefs.sql;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints the SQLite WAL on a thread of its own, so that requests pay for as little of it as possible. With
 * SQLite's automatic checkpoint (every 1000 WAL pages) the commit that crosses the mark copies the WAL into the
 * database file and fsyncs both (3 to 9 ms each on our VM disk), while it holds the single writer connection and
 * with it every other write waiting to group-commit: 68 fsyncs in 5 s of create+write+close in a profile. The
 * writer connections run with {@code wal_autocheckpoint=0} instead, and this thread, every
 * {@link #passiveAfterWrites} commits (at the latest {@link #period} after one; {@link SqliteWriter} commits a
 * batch of writes at a time):
 * <ol>
 *   <li>runs a PASSIVE checkpoint, which waits for no reader or writer: the bulk of the copy and its fsyncs;
 *   <li>then, when the writer is idle or the WAL holds {@link #restartAboveFrames} pages, holding this process's
 *       writers back ({@link #holdWritersWith}), commits the writer's open transaction and runs a second PASSIVE
 *       checkpoint, which copies only what was committed meanwhile. SQLite starts the WAL over from its beginning
 *       only when a write transaction begins with every page already copied; without this step a checkpoint racing
 *       a steady writer never achieves that. The commit matters as much: the writer keeps a transaction open across
 *       writes ({@link SqliteWriter}'s write-behind), and one that began before the copy ended does not start the
 *       WAL over, nor does the next, which begins after its commit added pages. Without it a busy writer's WAL grew
 *       to the TRUNCATE bound (64 MiB, 2,800 pages a second under create+write+close) while this step still held
 *       the writers for 30 to 70 ms every second (two fsyncs that commit the filesystem's journal; JFR,
 *       benchmarks.md). Writers wait for this step once per {@link #restartAboveFrames} pages of a busy writer.
 * </ol>
 *
 * <p>Bounded: should the WAL still hold more than {@link #truncateAboveFrames} pages (a reader kept the WAL from
 * starting over, or another process writes), a TRUNCATE checkpoint waits (busy timeout) for writers and readers,
 * copies the rest and empties the file. Crash safety and durability are SQLite's own and unchanged: a checkpoint
 * fsyncs the WAL before it copies and the database file before it lets the WAL start over, whichever connection
 * runs it; commits stay unsynced (synchronous=NORMAL) until {@link SqliteWriter#sync} syncs the WAL. The last
 * connection to close still checkpoints and removes the WAL.
 */
final class SqliteCheckpointer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SqliteCheckpointer.class);
  /**
   * Counted in commits. When each write committed on its own, 512 were about 3,000 WAL pages (12 MiB): three times
   * the autocheckpoint's 1,000, so that writers waited for the second step a third as often. Batched commits
   * (up to 10 ms of writes each) usually reach {@link #PERIOD} first.
   */
  static final int PASSIVE_AFTER_WRITES = 512;
  static final Duration PERIOD = Duration.ofSeconds(1);
  /** 64 MiB of 4 KiB pages. */
  static final int TRUNCATE_ABOVE_FRAMES = 16_384;
  /**
   * 32 MiB of 4 KiB pages: a busy writer's WAL starts over about every 3 s (at 2,800 pages a second), well before
   * the TRUNCATE bound; at most half of {@link #truncateAboveFrames}.
   */
  static final int RESTART_ABOVE_FRAMES = 8_192;

  private final Connection connection;
  private final int passiveAfterWrites;
  private final Duration period;
  private final int truncateAboveFrames;
  private final int restartAboveFrames;
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLong checkpoints = new AtomicLong();
  private final AtomicLong truncations = new AtomicLong();
  private final AtomicLong restartSteps = new AtomicLong();
  private final Thread thread;
  private volatile boolean closing;
  /** WAL pages after the last checkpoint's copy; -1 before the first. For tests and diagnostics. */
  private volatile long lastWalFrames = -1;
  /** Held while the second step runs: the lock this process's writers take ({@link SqliteWriter}'s). */
  private volatile Lock writers = new ReentrantLock();
  /** Whether the writer has no transaction open (then the second step holds no write back). */
  private volatile BooleanSupplier writerIdle = () -> true;
  /** Commits the writer's open transaction; run holding {@link #writers}. */
  private volatile Runnable commitOpen = () -> { };

  /** @param connection its own connection: neither the writer (it must not wait for it) nor a pooled reader */
  SqliteCheckpointer(Connection connection, int passiveAfterWrites, Duration period, int truncateAboveFrames) {
    this.connection = connection;
    this.passiveAfterWrites = passiveAfterWrites;
    this.period = period;
    this.truncateAboveFrames = truncateAboveFrames;
    this.restartAboveFrames = Math.min(RESTART_ABOVE_FRAMES, Math.max(1, truncateAboveFrames / 2));
    this.thread = new Thread(this::loop, "truckeefs-sqlite-checkpoint");
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * Makes the second step of a round hold {@code lock}, which every write of this process takes, and commit the
   * writer's open transaction first ({@code commitOpen}, run holding {@code lock}); {@code idle} tells whether the
   * writer has none open.
   */
  void holdWritersWith(Lock lock, BooleanSupplier idle, Runnable commitOpen) {
    this.writers = lock;
    this.writerIdle = idle;
    this.commitOpen = commitOpen;
  }

  /** A commit: wakes the thread every {@link #passiveAfterWrites} commits (one atomic add otherwise). */
  void wrote() {
    if (writes.incrementAndGet() % passiveAfterWrites == 0) {
      LockSupport.unpark(thread);
    }
  }

  long checkpoints() {
    return checkpoints.get();
  }

  long truncations() {
    return truncations.get();
  }

  /** Rounds that ran the second step (writers held, the WAL copied whole so that it starts over). */
  long restartSteps() {
    return restartSteps.get();
  }

  long lastWalFrames() {
    return lastWalFrames;
  }

  private void loop() {
    long seen = 0;
    while (!closing) {
      LockSupport.parkNanos(this, period.toNanos());
      long now = writes.get();
      if (closing || now == seen) {
        continue;
      }
      seen = now;
      try {
        checkpoint();
      } catch (SQLException | RuntimeException e) {
        // A busy or failing checkpoint leaves the WAL as it is; the next round tries again.
        LOG.debug("WAL checkpoint failed: {}", SqlErrors.describe(e));
      }
    }
  }

  private void checkpoint() throws SQLException {
    long frames = run("PASSIVE")[1];
    if (frames >= restartAboveFrames || writerIdle.getAsBoolean()) {
      Lock held = writers;
      held.lock();
      try {
        commitOpen.run();
        // Nothing to copy (no commit since the first step) costs no fsync.
        frames = run("PASSIVE")[1];
        restartSteps.incrementAndGet();
      } finally {
        held.unlock();
      }
    }
    if (frames >= truncateAboveFrames) {
      long[] truncate = run("TRUNCATE");
      if (truncate[0] == 0) {
        truncations.incrementAndGet();
        frames = truncate[1];
      }
    }
    lastWalFrames = frames;
  }

  /** Runs one checkpoint: {busy (1 if it could not finish), WAL pages, pages copied}. */
  private long[] run(String mode) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet r = s.executeQuery("PRAGMA wal_checkpoint(" + mode + ")")) {
      checkpoints.incrementAndGet();
      return r.next() ? new long[] {r.getLong(1), r.getLong(2), r.getLong(3)} : new long[] {1, 0, 0};
    }
  }

  /** Stops the thread (waiting for a checkpoint under way) and closes the connection. */
  @Override
  public void close() {
    closing = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(60));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      connection.close();
    } catch (SQLException e) {
      LOG.debug("closing the checkpoint connection failed: {}", SqlErrors.describe(e));
    }
  }
}
