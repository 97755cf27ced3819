package org.truckeefs.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's {@code nice} for background threads. Linux keeps a nice value per thread, and Java has no call for it
 * (thread priorities are ignored), so each background thread, when it starts, runs {@code renice} on its own thread
 * id (from {@code /proc/thread-self}). Once per pool thread, so a handful of short processes per mount. Where that
 * is impossible (not Linux, no renice, raising priority without root) the thread runs at the normal priority and
 * this says so once.
 */
final class BackgroundPriority {
  private static final Logger log = LoggerFactory.getLogger(BackgroundPriority.class);
  private static final AtomicBoolean warned = new AtomicBoolean();

  private BackgroundPriority() {}

  static Runnable wrap(int nice, Runnable r) {
    return () -> {
      apply(nice);
      r.run();
    };
  }

  /** Sets the calling thread's nice value; false (logged once) when it could not. */
  static boolean apply(int nice) {
    try {
      Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
      String tid = self.getFileName().toString();
      Process p = new ProcessBuilder("renice", "--priority", Integer.toString(nice), "-p", tid)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return true;
      }
      p.destroyForcibly();
      note("renice exited with " + (p.isAlive() ? "a timeout" : p.exitValue()));
    } catch (IOException | UnsupportedOperationException e) {
      note(e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  private static void note(String why) {
    if (warned.compareAndSet(false, true)) {
      log.info("setting nice is not applied to background threads here ({}); they run at normal priority", why);
    }
  }

  /** The calling thread's nice value (field 19 of /proc/thread-self/stat), for tests; -100 when unknown. */
  static int current() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Integer.parseInt(f[16]); // fields after "(comm)": state is 3, nice is 19 → index 16
    } catch (IOException | RuntimeException e) {
      return -100;
    }
  }
}
