package org.truckeefs.core;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Group commit of directory forces: a caller that just linked or renamed a name into a directory waits until a
 * force of that directory that started after its call has finished. Concurrent callers share rounds: while one
 * round runs, the next collects every directory asked for, and one of its callers (the leader) forces them all.
 * On a journaling filesystem the first force of a round commits the journal transaction that holds all the
 * round's names, so the rest cost little; N concurrent blob puts pay about one journal commit, not N.
 *
 * <p>No lock is held across a force: the monitor only guards the rounds' bookkeeping.
 */
final class DirSync {
  private static final class Round {
    final Set<Path> dirs = new LinkedHashSet<>();
    int callers;
    boolean done;
    IOException failure;
  }

  /** Forces one directory (a seam for tests). */
  interface Forcer {
    void force(Path dir) throws IOException;
  }

  private final Forcer forcer;
  // @GuardedBy("this")
  private Round open = new Round();
  private boolean running;

  DirSync() {
    this(DirSync::forceNow);
  }

  DirSync(Forcer forcer) {
    this.forcer = forcer;
  }

  /** Returns once {@code dir} was forced by a force that began after this call; throws what that force threw. */
  void force(Path dir) throws IOException {
    force(Set.of(dir));
  }

  /** {@link #force(Path)} of several directories, all in one round. */
  void force(Collection<Path> dirs) throws IOException {
    if (dirs.isEmpty()) {
      return;
    }
    Round r;
    boolean lead = false;
    synchronized (this) {
      r = open;
      r.dirs.addAll(dirs);
      r.callers++;
      try {
        while (running && !r.done) {
          wait(); // the running round may have started before our name was made: ours is the next one
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a directory force");
      }
      if (!r.done) {
        running = true;
        open = new Round();
        lead = true;
      }
    }
    if (lead) {
      IOException failure = null;
      for (Path d : r.dirs) {
        try {
          forcer.force(d);
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      synchronized (this) {
        r.failure = failure;
        r.done = true;
        running = false;
        notifyAll();
      }
    }
    IOException failure;
    synchronized (this) {
      failure = r.failure;
    }
    if (failure != null) {
      throw new IOException("cannot force directory " + dirs + ": " + failure.getMessage(), failure);
    }
  }

  /** Callers waiting for the round that has not started yet (for tests). */
  synchronized int queued() {
    return open.callers;
  }

  /** One directory force, without grouping. */
  static void forceNow(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
