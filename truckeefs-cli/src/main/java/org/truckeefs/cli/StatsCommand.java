package org.truckeefs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code truckeefs stats MOUNTPOINT}: a live, top-like view of a running mount (as {@code juicefs stats}), read
 * from the mount's private metrics socket ({@link StatsSocket}, found next to its pid file), so it works on every
 * mount without {@code --metrics}. Each frame shows the FUSE requests and backend calls per second and their mean
 * latency over the last interval, busiest first, and the cache, upload queue, mirror and lock numbers.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Show a live view of a running mount (FUSE requests and backend calls per second and latency,"
        + " cache hits, upload queue, mirror lag, lock waits), refreshed every interval until interrupted.")
final class StatsCommand implements Callable<Integer> {
  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)})? ([0-9.eE+-]+|NaN)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final int ROWS = 12;

  @ParentCommand TruckeeCommand top;

  @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "The mount (default: the mount setting).")
  Path mountPoint;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
      description = "Seconds between frames (fractions allowed). Default: ${DEFAULT-VALUE}.")
  double interval;

  @Option(names = "--count", paramLabel = "N", defaultValue = "0",
      description = "Stop after N frames (0 = until interrupted).")
  int count;

  @Option(names = "--once", description = "Print one frame (rates over one interval) and exit: for scripts.")
  boolean once;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    Path mp = (mountPoint != null ? mountPoint : s.get("mount").map(Path::of).orElseThrow(() ->
        UserError.badInput("no mount point: give one (`truckeefs stats DIR`) or set mount")))
        .toAbsolutePath().normalize();
    if (!(interval > 0)) {
      throw UserError.badInput("--interval must be above 0");
    }
    if (count < 0) {
      throw UserError.badInput("--count must be 0 or more");
    }
    Path socket = StatsSocket.path(s.dataDir(), mp);
    if (!Files.exists(socket)) {
      throw UserError.failed("no mount on " + mp + " served from data dir " + s.dataDir()
          + " (no " + socket.getFileName() + " in its run directory): is it mounted, with this --data-dir?");
    }
    PrintWriter out = top.spec.commandLine().getOut();
    boolean terminal = System.console() != null && !once;
    Scrape previous = scrape(socket);
    int frames = once ? 1 : count;
    for (int frame = 1; frames == 0 || frame <= frames; frame++) {
      Thread.sleep((long) (interval * 1000));
      Scrape now = scrape(socket);
      if (terminal) {
        out.print("\033[H\033[2J");
      }
      out.println(frame(mp, previous, now, interval));
      out.flush();
      previous = now;
    }
    return 0;
  }

  private static Scrape scrape(Path socket) {
    try {
      return Scrape.parse(StatsSocket.read(socket));
    } catch (IOException e) {
      throw UserError.failed("the mount's stats socket " + socket + " does not answer (" + e.getMessage()
          + "); is the mount still running?");
    }
  }

  /** One scrape's samples: series name → labels → value. */
  record Scrape(Map<String, List<Map.Entry<Map<String, String>, Double>>> series) {
    static Scrape parse(String body) {
      Map<String, List<Map.Entry<Map<String, String>, Double>>> m = new HashMap<>();
      Matcher x = SAMPLE.matcher(body);
      while (x.find()) {
        Map<String, String> labels = new TreeMap<>();
        if (x.group(2) != null) {
          Matcher l = LABEL.matcher(x.group(2));
          while (l.find()) {
            labels.put(l.group(1), l.group(2));
          }
        }
        m.computeIfAbsent(x.group(1), k -> new ArrayList<>()).add(Map.entry(labels, Double.parseDouble(x.group(3))));
      }
      return new Scrape(m);
    }

    double value(String name) {
      return sum(name, null, null);
    }

    /** The sum of {@code name}'s samples whose {@code label} is {@code value} (all when label is null). */
    double sum(String name, String label, String value) {
      double v = 0;
      for (Map.Entry<Map<String, String>, Double> e : series.getOrDefault(name, List.of())) {
        if (label == null || value.equals(e.getKey().get(label))) {
          v += e.getValue();
        }
      }
      return v;
    }

    /** {@code name}'s samples summed by the labels {@code key} makes of them (e.g. the op). */
    Map<String, Double> by(String name, java.util.function.Function<Map<String, String>, String> key) {
      Map<String, Double> out = new HashMap<>();
      for (Map.Entry<Map<String, String>, Double> e : series.getOrDefault(name, List.of())) {
        out.merge(key.apply(e.getKey()), e.getValue(), Double::sum);
      }
      return out;
    }
  }

  static String frame(Path mp, Scrape before, Scrape now, double seconds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("truckeefs stats %s   (rates over %.1f s)%n", mp, seconds));
    sb.append(String.format("cache %s used, %s dirty (limit %s)   reads: %.1f%% hits, %s/s fetched, %.1f evictions/s%n",
        StatusCommand.human((long) now.value("truckeefs_cache_used_bytes")),
        StatusCommand.human((long) now.value("truckeefs_cache_dirty_bytes")),
        now.value("truckeefs_cache_limit_bytes") > 0 ? StatusCommand.human((long) now.value("truckeefs_cache_limit_bytes")) : "none",
        hitRatio(before, now),
        StatusCommand.human((long) (delta(before, now, "truckeefs_cache_fetched_bytes_total") / seconds)),
        delta(before, now, "truckeefs_cache_evictions_total") / seconds));
    sb.append(String.format("uploads %d pending (oldest %.1f s)   open files %d   mirror lag %.1f s   lock waits %.1f/s%n",
        (long) now.value("truckeefs_uploads_pending_snapshots"), now.value("truckeefs_uploads_oldest_age_seconds"),
        (long) now.value("truckeefs_files_open_files"), now.value("truckeefs_mirror_lag_seconds"),
        delta(before, now, "truckeefs_locks_waits_seconds_count") / seconds));
    table(sb, "FUSE op", before, now, seconds, "truckeefs_fuse_ops_seconds", l -> l.get("op"), true);
    table(sb, "backend call", before, now, seconds, "truckeefs_backend_calls_seconds",
        l -> l.get("backend") + "/" + l.get("op"), false);
    return sb.toString();
  }

  private static double hitRatio(Scrape before, Scrape now) {
    double hits = now.sum("truckeefs_cache_reads_total", "result", "hit")
        - before.sum("truckeefs_cache_reads_total", "result", "hit");
    double all = delta(before, now, "truckeefs_cache_reads_total");
    return all > 0 ? 100 * hits / all : 0;
  }

  private static double delta(Scrape before, Scrape now, String name) {
    return now.value(name) - before.value(name);
  }

  /** Rows of {@code timer}'s series grouped by {@code key}: rate and mean latency over the interval, and total. */
  private static void table(StringBuilder sb, String title, Scrape before, Scrape now, double seconds, String timer,
      java.util.function.Function<Map<String, String>, String> key, boolean errors) {
    Map<String, Double> n1 = now.by(timer + "_count", key);
    Map<String, Double> n0 = before.by(timer + "_count", key);
    Map<String, Double> t1 = now.by(timer + "_sum", key);
    Map<String, Double> t0 = before.by(timer + "_sum", key);
    java.util.function.Function<Map<String, String>, String> failedKey =
        l -> "ok".equals(l.get("outcome")) ? "\0ok" : key.apply(l);
    Map<String, Double> e1 = now.by(timer + "_count", failedKey);
    Map<String, Double> e0 = before.by(timer + "_count", failedKey);
    sb.append(String.format("%-28s %10s %9s%s %12s%n", title, "per s", "avg ms", errors ? String.format(" %9s", "errors/s") : "", "total"));
    List<Object[]> rows = new ArrayList<>();
    n1.forEach((k, total) -> {
      double n = total - n0.getOrDefault(k, 0.0);
      if (n > 0) {
        double ms = (t1.getOrDefault(k, 0.0) - t0.getOrDefault(k, 0.0)) * 1000 / n;
        double failed = e1.getOrDefault(k, 0.0) - e0.getOrDefault(k, 0.0);
        rows.add(new Object[] {k, n, ms, failed, total});
      }
    });
    rows.sort((a, b) -> Double.compare((double) b[1], (double) a[1]));
    for (Object[] r : rows.subList(0, Math.min(rows.size(), ROWS))) {
      sb.append(String.format("%-28s %10.1f %9.2f%s %12.0f%n", r[0], (double) r[1] / seconds, (double) r[2],
          errors ? String.format(" %9.1f", (double) r[3] / seconds) : "", (double) r[4]));
    }
    if (rows.isEmpty()) {
      sb.append("  (idle)\n");
    }
  }
}
