package org.truckeefs.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on stderr for long work: determinate when the total is known (max > 0), a running count otherwise;
 * nothing at all when running as a daemon (is_daemon) or when stderr is not a terminal (a log file or a pipe would
 * fill with carriage-return frames).
 */
final class Progress implements AutoCloseable {
  private final ProgressBar bar;

  private Progress(ProgressBar bar) {
    this.bar = bar;
  }

  static Progress start(Settings s, String task, long total) {
    if (s.flag("is_daemon") || !stderrIsATerminal()) {
      return new Progress(null);
    }
    return new Progress(new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        .setStyle(ProgressBarStyle.ASCII)
        .setConsumer(new ConsoleProgressBarConsumer(System.err))
        .setUpdateIntervalMillis(200)
        .continuousUpdate()
        .build());
  }

  /** Linux: fd 2 links to a terminal device; elsewhere the JVM's console check (stdin and stdout) stands in. */
  static boolean stderrIsATerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false;
    }
    try {
      String target = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
    } catch (java.io.IOException | UnsupportedOperationException e) {
      return System.console() != null;
    }
  }

  void step() {
    if (bar != null) {
      bar.step();
    }
  }

  /** Sets the count done so far (for work that reports running totals). */
  void stepTo(long done) {
    if (bar != null) {
      bar.stepTo(done);
    }
  }

  void max(long total) {
    if (bar != null) {
      bar.maxHint(total);
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}
