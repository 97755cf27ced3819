package org.truckeefs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Supplementary groups of a calling process. FUSE passes only uid, gid and pid, so the groups come from the
 * {@code Groups:} line of {@code /proc/PID/status}; cached for a second per pid because a shell command makes
 * many calls in a row.
 */
public final class CallerGroups {
  private static final long TTL_NANOS = 1_000_000_000L;
  private static final int MAX_ENTRIES = 4096;

  private record Entry(int[] groups, long readAt) {}

  private final ConcurrentHashMap<Long, Entry> cache = new ConcurrentHashMap<>();

  /** The supplementary groups of process {@code pid}; none when it is gone. */
  public int[] of(long pid) {
    if (pid <= 0) {
      return new int[0];
    }
    long now = System.nanoTime();
    Entry e = cache.get(pid);
    if (e != null && now - e.readAt < TTL_NANOS) {
      return e.groups;
    }
    int[] groups = read(Path.of("/proc", Long.toString(pid), "status"));
    if (cache.size() > MAX_ENTRIES) {
      cache.clear();
    }
    cache.put(pid, new Entry(groups, now));
    return groups;
  }

  static int[] read(Path status) {
    try {
      for (String line : Files.readAllLines(status)) {
        if (line.startsWith("Groups:")) {
          String rest = line.substring("Groups:".length()).trim();
          return rest.isEmpty() ? new int[0] : Arrays.stream(rest.split("\\s+")).mapToInt(Integer::parseInt).toArray();
        }
      }
    } catch (IOException | RuntimeException e) {
      // The process may be gone already; without its groups only uid/gid checks apply.
    }
    return new int[0];
  }
}
