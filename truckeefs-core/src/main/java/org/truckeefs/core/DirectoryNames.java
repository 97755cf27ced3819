package org.truckeefs.core;

import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.Name;
import org.truckeefs.spi.Ticker;

/**
 * Every name of the directories this host made, so that a lookup of a name that is not there needs no store query:
 * the kernel sends one before every {@code open(O_CREAT)} of a new name, and on MariaDB it was a third of a create's
 * time. A directory is known from its creation on (empty then) and follows this host's changes to it; any change by
 * another host to it (a remote entry event) or a gap in the change events forgets it, and so does the end of its
 * {@link #LIFETIME}, the time the kernel itself keeps a negative entry when change events keep it coherent (the
 * libfuse 3 adapter's 30 s). So a name another host made shows here as late as the kernel would show it; a create
 * of it then finds it in the store (EEXIST, or the existing file without {@code O_EXCL}).
 *
 * <p>Bounded: at most {@link #MAX_NAMES} names in all (the least recently used directory goes first, and a directory
 * that outgrows the bound alone is forgotten). Thread-safe; the monitor is held for memory operations only.
 */
final class DirectoryNames {
  static final Duration LIFETIME = Duration.ofSeconds(30);
  static final int MAX_NAMES = 100_000;

  private static final class Known {
    final Set<Name> names = new HashSet<>();
    final long since;

    Known(long since) {
      this.since = since;
    }
  }

  private final Ticker ticker;
  private final long lifetimeNanos;
  private final int maxNames;
  /** Guarded by this; access order, so the eldest is the least recently used. */
  private final LinkedHashMap<InodeId, Known> dirs = new LinkedHashMap<>(16, 0.75f, true);
  /** Names in all of {@link #dirs}; guarded by this. */
  private int total;
  /** Remote entry events and gaps seen; a directory made while one arrived is not trusted (see {@link #made}). */
  private long remoteChanges;

  DirectoryNames(Ticker ticker) {
    this(ticker, LIFETIME, MAX_NAMES);
  }

  /** @param lifetime how long a directory stays known; zero keeps none (the metadata cache is off) */
  DirectoryNames(Ticker ticker, Duration lifetime, int maxNames) {
    this.ticker = ticker;
    this.lifetimeNanos = lifetime.toNanos();
    this.maxNames = maxNames;
  }

  /** To pass to {@link #made}: taken before the store call that makes a directory. */
  synchronized long mark() {
    return remoteChanges;
  }

  /**
   * The new, empty directory {@code dir} was made by this host. Another host may have added a name to it already
   * when a remote change arrived since {@code mark}: then it is not known.
   */
  synchronized void made(InodeId dir, long mark) {
    if (lifetimeNanos > 0 && mark == remoteChanges) {
      dirs.put(dir, new Known(ticker.read()));
    }
  }

  /** Whether {@code name} is known to be absent from {@code dir}; false when it is there or unknown. */
  synchronized boolean absent(InodeId dir, Name name) {
    Known k = live(dir);
    return k != null && !k.names.contains(name);
  }

  /** This host added {@code name} to {@code dir} (a create, link or rename's new name). */
  synchronized void added(InodeId dir, Name name) {
    Known k = live(dir);
    if (k == null || !k.names.add(name)) {
      return;
    }
    total++;
    if (k.names.size() > maxNames) {
      forget(dir);
      return;
    }
    for (Iterator<Map.Entry<InodeId, Known>> it = dirs.entrySet().iterator(); total > maxNames; ) {
      Map.Entry<InodeId, Known> eldest = it.next();
      total -= eldest.getValue().names.size();
      it.remove();
    }
  }

  /** This host removed {@code name} from {@code dir} (an unlink, rmdir or rename's old name). */
  synchronized void removed(InodeId dir, Name name) {
    Known k = dirs.get(dir);
    if (k != null && k.names.remove(name)) {
      total--;
    }
  }

  /** Forgets {@code dir}: it is gone, or changed in a way this host cannot follow. */
  synchronized void forget(InodeId dir) {
    Known k = dirs.remove(dir);
    if (k != null) {
      total -= k.names.size();
    }
  }

  /** Another host changed an entry of {@code dir}. */
  synchronized void remoteChange(InodeId dir) {
    remoteChanges++;
    forget(dir);
  }

  /** Forgets every directory: change events may have been missed, or the store changed behind this host. */
  synchronized void clear() {
    remoteChanges++;
    dirs.clear();
    total = 0;
  }

  synchronized int size() {
    return dirs.size();
  }

  private Known live(InodeId dir) {
    Known k = dirs.get(dir);
    if (k != null && ticker.read() - k.since > lifetimeNanos) {
      forget(dir);
      return null;
    }
    return k;
  }
}
