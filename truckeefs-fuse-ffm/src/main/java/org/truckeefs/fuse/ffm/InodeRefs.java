package org.truckeefs.fuse.ffm;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The kernel's lookup count per inode: every reply that hands the kernel an inode (lookup, create, mknod, mkdir,
 * symlink, link, each readdirplus entry) adds one, and {@code forget} takes away what the kernel says. An inode
 * is known to the kernel exactly while its count is positive: only those are worth invalidating.
 */
final class InodeRefs {
  private final ConcurrentHashMap<Long, Long> counts = new ConcurrentHashMap<>();

  void add(long ino) {
    counts.merge(ino, 1L, Long::sum);
  }

  /** {@code forget(ino, n)}; the count drops to zero at most (a forget for an unknown inode is ignored). */
  void forget(long ino, long n) {
    counts.computeIfPresent(ino, (k, c) -> c > n ? c - n : null);
  }

  long count(long ino) {
    return counts.getOrDefault(ino, 0L);
  }

  boolean known(long ino) {
    return ino == 1 || counts.containsKey(ino);
  }

  /** The inodes the kernel holds now (root included), for invalidating everything after missed changes. */
  List<Long> known() {
    List<Long> all = new java.util.ArrayList<>(counts.keySet());
    if (!all.contains(1L)) {
      all.add(1L);
    }
    return all;
  }

  int size() {
    return counts.size();
  }
}
