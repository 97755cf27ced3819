package org.truckeefs.fuse;

import java.util.concurrent.atomic.AtomicLong;
import jnr.ffi.LibraryLoader;

/**
 * Names libfuse's worker threads {@code truckeefs-fuse-worker-TID} on their first FUSE call, TID being the
 * kernel's thread id (what {@code top -H}, {@code ps -L} and {@code /proc/PID/task} show), so a busy thread in
 * either view is found in the other and in the log. Not a counter: jnr-ffi attaches a libfuse thread to the JVM
 * for one callback and detaches it afterwards, so each request of the jnr adapter runs on a fresh
 * {@link Thread} object and a counter would only count requests; the kernel id stays the same. (The OS-level name
 * stays libfuse's: the JVM does not rename a thread it did not start.)
 */
final class WorkerNames {
  /** Where the kernel's thread id comes from: glibc's {@code gettid}, else a counter. */
  public interface LibC {
    long gettid();
  }

  private static final ThreadLocal<Boolean> NAMED = new ThreadLocal<>();
  private static final AtomicLong FALLBACK = new AtomicLong();
  private static final LibC LIBC = load();

  private WorkerNames() {}

  private static LibC load() {
    try {
      LibC c = LibraryLoader.create(LibC.class).failImmediately().load("c");
      c.gettid();
      return c;
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

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
        t.setName(FuseCalls.WORKER_PREFIX + (LIBC != null ? LIBC.gettid() : FALLBACK.incrementAndGet()));
      }
    }
  }
}
