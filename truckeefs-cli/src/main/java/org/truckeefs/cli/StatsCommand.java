package org.truckeefs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code truckeefs stats MOUNTPOINT}: a live, top-like view of a running mount (as {@code juicefs stats}), read
 * from the mount's own metrics endpoint ({@code mount --metrics}), whose address the mount leaves next to its pid
 * file. Each frame shows the backend calls per second and their mean latency since the previous frame, busiest
 * first, and the cache and upload queue.
 */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = "Show a live view of a running mount (backend calls per second and latency, cache, upload"
        + " queue), refreshed every interval. The mount must have been started with --metrics.")
final class StatsCommand implements Callable<Integer> {
  private static final Pattern CALLS = Pattern.compile(
      "(?m)^truckeefs_backend_calls_seconds_(count|sum)\\{backend=\"(\\w+)\",op=\"(\\w+)\"} ([0-9.eE+-]+)$");
  private static final Pattern GAUGE = Pattern.compile("(?m)^(truckeefs_[a-z_]+) ([0-9.eE+-]+)$");

  @ParentCommand TruckeeCommand top;

  @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "The mount (default: the mount setting).")
  Path mountPoint;

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
      description = "Seconds between frames (fractions allowed). Default: ${DEFAULT-VALUE}.")
  double interval;

  @Option(names = "--count", paramLabel = "N", defaultValue = "0",
      description = "Stop after N frames (0 = until interrupted).")
  int count;

  /** Where the mount on {@code mountPoint} serves its metrics, written by {@code mount --metrics}. */
  static Path addressFile(Path dataDir, Path mountPoint) {
    Path pid = PidFile.path(dataDir, mountPoint);
    return pid.resolveSibling(pid.getFileName().toString().replace(".pid", ".metrics"));
  }

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    Path mp = (mountPoint != null ? mountPoint : s.get("mount").map(Path::of).orElseThrow(() ->
        UserError.badInput("no mount point: give one (`truckeefs stats DIR`) or set mount")))
        .toAbsolutePath().normalize();
    if (interval <= 0) {
      throw UserError.badInput("--interval must be above 0");
    }
    Path file = addressFile(s.dataDir(), mp);
    if (!Files.isRegularFile(file)) {
      throw UserError.failed("no metrics for a mount on " + mp + " from data dir " + s.dataDir()
          + ": mount it with --metrics PORT");
    }
    URI uri = URI.create("http://" + Files.readString(file).strip() + "/metrics");
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    PrintWriter out = top.spec.commandLine().getOut();
    boolean terminal = System.console() != null;
    Map<String, double[]> previous = calls(scrape(http, uri));
    for (int frame = 1; count == 0 || frame <= count; frame++) {
      Thread.sleep((long) (interval * 1000));
      String body = scrape(http, uri);
      Map<String, double[]> now = calls(body);
      if (terminal) {
        out.print("\033[H\033[2J");
      }
      out.println(frame(mp, body, previous, now));
      out.flush();
      previous = now;
    }
    return 0;
  }

  private static String scrape(HttpClient http, URI uri) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw UserError.failed("the mount's metrics endpoint " + uri + " answered " + r.statusCode());
      }
      return r.body();
    } catch (IOException e) {
      throw UserError.failed("the mount's metrics endpoint " + uri + " does not answer (" + e.getMessage()
          + "); is the mount still running?");
    }
  }

  /** backend/op → {count, seconds}. */
  static Map<String, double[]> calls(String body) {
    Map<String, double[]> m = new HashMap<>();
    Matcher x = CALLS.matcher(body);
    while (x.find()) {
      double[] v = m.computeIfAbsent(x.group(2) + "/" + x.group(3), k -> new double[2]);
      v[x.group(1).equals("count") ? 0 : 1] = Double.parseDouble(x.group(4));
    }
    return m;
  }

  String frame(Path mp, String body, Map<String, double[]> before, Map<String, double[]> now) {
    StringBuilder sb = new StringBuilder();
    Map<String, Double> gauges = new HashMap<>();
    Matcher g = GAUGE.matcher(body);
    while (g.find()) {
      gauges.put(g.group(1), Double.parseDouble(g.group(2)));
    }
    sb.append(String.format("truckeefs stats %s   cache %s (dirty %s)   uploads pending %d   open files %d%n", mp,
        StatusCommand.human(gauges.getOrDefault("truckeefs_cache_used_bytes", 0.0).longValue()),
        StatusCommand.human(gauges.getOrDefault("truckeefs_cache_dirty_bytes", 0.0).longValue()),
        gauges.getOrDefault("truckeefs_uploads_pending_snapshots", 0.0).longValue(),
        gauges.getOrDefault("truckeefs_files_open_files", 0.0).longValue()));
    sb.append(String.format("%-32s %10s %10s%n", "backend call", "calls/s", "avg ms"));
    List<String[]> rows = new ArrayList<>();
    now.forEach((k, v) -> {
      double[] b = before.getOrDefault(k, new double[2]);
      double n = v[0] - b[0];
      if (n > 0) {
        rows.add(new String[] {k, String.format("%.1f", n / interval), String.format("%.2f", (v[1] - b[1]) * 1000 / n),
            Double.toString(n)});
      }
    });
    rows.sort((a, b) -> Double.compare(Double.parseDouble(b[3]), Double.parseDouble(a[3])));
    for (String[] r : rows.subList(0, Math.min(rows.size(), 15))) {
      sb.append(String.format("%-32s %10s %10s%n", r[0], r[1], r[2]));
    }
    if (rows.isEmpty()) {
      sb.append("(idle)\n");
    }
    return sb.toString();
  }
}
