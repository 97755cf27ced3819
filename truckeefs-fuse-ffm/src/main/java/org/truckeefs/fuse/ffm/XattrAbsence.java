package org.truckeefs.fuse.ffm;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.truckeefs.api.FsChange;

/**
 * Which extended attributes an inode does not have, remembered for the attribute timeout: the kernel caches no
 * xattr answers, so without this every probe of a {@code user.} or {@code trusted.} name costs a metadata query.
 * ({@code security.} and {@code system.} names are refused EOPNOTSUPP by core at no cost, which also makes
 * {@code ls -l} stop asking for labels and ACLs after the first file.) Any change of the inode (this host's or another's, from
 * {@code FileSystem.watch}) forgets it; an answer computed while an invalidation happened is not stored.
 */
final class XattrAbsence {
  /** Beyond this many inodes the cache starts over: bounded memory however long the mount runs. */
  static final int MAX_INODES = 50_000;

  private final ConcurrentHashMap<Long, Map<String, Long>> absent = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();
  private final long ttlNanos;

  XattrAbsence(double ttlSeconds) {
    this.ttlNanos = (long) (ttlSeconds * 1e9);
  }

  /** The epoch to pass to {@link #noteAbsent}, read before asking the filesystem. */
  long epoch() {
    return epoch.get();
  }

  boolean isAbsent(long ino, String name) {
    Map<String, Long> m = absent.get(ino);
    if (m == null) {
      return false;
    }
    Long until = m.get(name);
    return until != null && System.nanoTime() - until < 0;
  }

  void noteAbsent(long ino, String name, long epochBefore) {
    if (ttlNanos <= 0) {
      return;
    }
    if (absent.size() >= MAX_INODES) {
      clear();
    }
    absent.computeIfAbsent(ino, k -> new ConcurrentHashMap<>()).put(name, System.nanoTime() + ttlNanos);
    if (epoch.get() != epochBefore) {
      absent.remove(ino); // an invalidation raced with the query: its answer may be stale
    }
  }

  void forget(long ino) {
    epoch.incrementAndGet();
    absent.remove(ino);
  }

  void clear() {
    epoch.incrementAndGet();
    absent.clear();
  }

  /** The watch listener: returns at once. */
  void on(FsChange c) {
    switch (c) {
      case FsChange.Attributes a -> forget(a.inode().value());
      case FsChange.Content x -> forget(x.inode().value());
      case FsChange.Entry e -> { }
      case FsChange.Overflow o -> clear();
    }
  }
}
