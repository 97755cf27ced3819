package org.truckeefs.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.truckeefs.api.FsException;
import org.truckeefs.core.Backends;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.BlobStore;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.StoreStats;
import org.truckeefs.spi.Ticker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * Every backend checked on its own (metadata store, blob store, coordinator), so one unreachable backend is named
 * and the others still reported; exit 1 when any fails. Text for people, {@code --json} for scripts.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Check every backend (metadata store, blob store, coordinator) and show the mounts of this data"
        + " directory, metadata totals, cache use and pending uploads. Exit 1 when a backend fails its check.")
final class StatusCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Option(names = "--json", description = "Print one JSON object instead of text (same fields).")
  boolean json;

  /** One backend's check: its URI (passwords hidden), whether it answered, and what it said. */
  record Check(String uri, boolean ok, String detail) {}

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    RiverFsConfig config = Engine.config(s);
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("data_dir", config.dataDir().toString());
    Map<String, Check> backends = new LinkedHashMap<>();
    Map<String, Object> files = new LinkedHashMap<>();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "truckeefs-status");
      t.setDaemon(true);
      return t;
    });
    try {
      Backends registry = config.backends().orElseGet(Backends::discover);
      BackendContext ctx = new BackendContext(config.filesystemId(), config.dataDir(), Clock.systemUTC(),
          Ticker.system(), scheduler);
      backends.put("metadata", metadata(config, registry, ctx, files));
      backends.put("blobs", blobs(config, registry, ctx, s.get("rootcap").isPresent()));
      backends.put("coordinator", coordinator(config, registry));
    } finally {
      scheduler.shutdownNow();
    }
    report.put("backends", backends);
    List<String> mounts = OfflineStores.liveMounts(config.dataDir());
    report.put("mounts", mounts);
    OptionalLong owner = owner(config.dataDir());
    report.put("data_dir_owner_pid", owner.isPresent() ? owner.getAsLong() : null);
    Map<String, Object> cache = new LinkedHashMap<>();
    cache.put("dir", config.cacheDir().toString());
    cache.put("used_bytes", du(config.cacheDir()));
    cache.put("limit_bytes", config.cacheSize());
    report.put("cache", cache);
    report.put("files", files);
    boolean ok = backends.values().stream().allMatch(Check::ok);
    report.put("ok", ok);

    PrintWriter out = top.spec.commandLine().getOut();
    if (json) {
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(report));
    } else {
      text(out, config, backends, mounts, owner, cache, files);
    }
    out.flush();
    return ok ? 0 : UserError.FAILED;
  }

  private static Check metadata(RiverFsConfig c, Backends registry, BackendContext ctx, Map<String, Object> files) {
    String uri = safe(c.metadataUri().toString());
    if ("memory".equals(c.metadataUri().getScheme())) {
      return new Check(uri, true, "in memory: only the mount process knows its contents");
    }
    try (MetadataStore meta = registry.metadataStore(c.metadataUri().getScheme())
        .create(c.metadataUri(), c.backendConfig(), ctx)) {
      StoreStats stats = meta.stats();
      files.put("inodes", stats.inodes());
      files.put("bytes", stats.bytes());
      files.put("orphans", meta.orphans().size());
      if (Files.isRegularFile(c.cacheDir().resolve("host-id"))) {
        files.put("pending_uploads", RiverFS.pendingUploads(c.cacheDir(), meta)); // the cache's write-back journal
      }
      return new Check(uri, true, stats.inodes() + " inodes");
    } catch (IOException | RuntimeException e) {
      return new Check(uri, false, oneLine(e));
    }
  }

  private static Check blobs(RiverFsConfig c, Backends registry, BackendContext ctx, boolean rootcap) {
    String uri = safe(c.blobUri().toString()) + (rootcap ? " (rootcap set)" : "");
    try (BlobStore blobs = registry.blobStore(c.blobUri().getScheme()).create(c.blobUri(), c.backendConfig(), ctx)) {
      blobs.checkIntegration();
      return new Check(uri, true, "reachable");
    } catch (Exception e) {
      return new Check(uri, false, oneLine(e));
    }
  }

  private static Check coordinator(RiverFsConfig c, Backends registry) {
    String uri = safe(c.coordinatorUri().toString());
    try {
      registry.coordinator(c.coordinatorUri().getScheme()).check(c.coordinatorUri(), c.backendConfig());
      return new Check(uri, true, "local:".equals(uri) || "local:/".equals(uri) ? "in this JVM (one host)" : "reachable");
    } catch (FsException | RuntimeException e) {
      return new Check(uri, false, oneLine(e));
    }
  }

  private static OptionalLong owner(Path dataDir) {
    try {
      return RiverFS.dataDirOwner(dataDir);
    } catch (FsException e) {
      return OptionalLong.empty();
    }
  }

  private static void text(PrintWriter out, RiverFsConfig config, Map<String, Check> backends, List<String> mounts,
      OptionalLong owner, Map<String, Object> cache, Map<String, Object> files) {
    out.println("data dir:     " + config.dataDir()
        + (owner.isPresent() ? " (in use by pid " + owner.getAsLong() + ")" : ""));
    backends.forEach((name, c) -> out.println(String.format("%-13s %s  %s%s", label(name) + ":", c.uri(),
        c.ok() ? "ok" : "FAILED: ", c.ok() ? (c.detail().isEmpty() ? "" : " (" + c.detail() + ")") : c.detail())));
    out.println("mounted on:   " + (mounts.isEmpty() ? "(not mounted from this data dir)" : String.join(", ", mounts)));
    mounts.forEach(m -> {
      Path mp = Path.of(m.replaceFirst(" \\(pid .*", ""));
      if (!FuseMount.isMountedAt(mp)) {
        out.println("  warning: " + mp + " has a live process but no mount");
      }
    });
    long limit = (Long) cache.get("limit_bytes");
    out.println("cache:        " + cache.get("dir") + ", " + human((Long) cache.get("used_bytes")) + " used"
        + (limit > 0 ? " of " + human(limit) : " (no limit)"));
    if (files.containsKey("inodes")) {
      out.println("files:        " + files.get("inodes") + " inodes, " + human((Long) files.get("bytes")));
      out.println("orphans:      " + files.get("orphans"));
    }
    if (files.containsKey("pending_uploads")) {
      out.println("pending:      " + files.get("pending_uploads") + " upload(s) waiting in this host's journal");
    }
  }

  private static String label(String backend) {
    return switch (backend) {
      case "metadata" -> "metadata";
      case "blobs" -> "blobs";
      default -> "coordination";
    };
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.replaceFirst("^E[A-Z]+: ", "").lines().findFirst().orElse("");
  }

  static String safe(String uri) {
    return uri.replaceAll("//([^:/@]+):[^@]*@", "//$1:***@");
  }

  static long du(Path dir) {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    } catch (IOException | java.io.UncheckedIOException e) {
      return 0;
    }
  }

  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String units = "KMGTPE";
    int u = (63 - Long.numberOfLeadingZeros(bytes)) / 10;
    return String.format("%.1f %siB", bytes / (double) (1L << (u * 10)), units.charAt(u - 1));
  }
}
