package org.truckeefs.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Names libfuse's worker threads {@code truckeefs-fuse-worker-TID} on their first FUSE call, TID being the
 * kernel's thread id (what {@code top -H}, {@code ps -L} and {@code /proc/PID/task} show), so a busy thread in
 * either view is found in the other and in the log. Not a counter: jnr-ffi attaches a libfuse thread to the JVM
 * for one callback and detaches it afterwards, so each request of the jnr adapter runs on a fresh
 * {@link Thread} object and a counter would only count requests; the kernel id stays the same. The id is read
 * from {@code /proc/thread-self} (one readlink per attachment; FFM keeps its threads attached, so there once per
 * worker). The OS-level name stays libfuse's: the JVM does not rename a thread it did not start.
 */
final class WorkerNames {
  private static final Path SELF = Path.of("/proc/thread-self");
  private static final ThreadLocal<Boolean> NAMED = new ThreadLocal<>();
  private static final AtomicLong FALLBACK = new AtomicLong();

  private WorkerNames() {}

  /**
   * Names the current thread unless it was named before, is one of ours ({@code truckeefs-*}) or is not a daemon:
   * both jnr-ffi and FFM attach foreign threads as daemons, while a test calling an adapter directly from its
   * own (non-daemon) thread keeps that thread's name.
   */
  static void nameCurrent() {
    if (NAMED.get() == null) {
      NAMED.set(Boolean.TRUE);
      Thread t = Thread.currentThread();
      if (t.isDaemon() && !t.getName().startsWith("truckeefs-")) {
        t.setName(FuseCalls.WORKER_PREFIX + kernelId());
      }
    }
  }

  /** "12/task/34" names thread 34 of process 12. */
  private static long kernelId() {
    try {
      String link = Files.readSymbolicLink(SELF).toString();
      return Long.parseLong(link.substring(link.lastIndexOf('/') + 1));
    } catch (IOException | RuntimeException e) {
      return -FALLBACK.incrementAndGet(); // no /proc: still unique, and visibly not a kernel id
    }
  }
}
