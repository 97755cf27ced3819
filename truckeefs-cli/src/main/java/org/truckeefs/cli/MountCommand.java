package org.truckeefs.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.FsException;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsMetrics;
import org.truckeefs.fuse.FuseAdapter;
import org.truckeefs.fuse.FuseAdapters;
import org.truckeefs.fuse.FuseMount;
import org.truckeefs.fuse.FuseOptions;
import org.truckeefs.fuse.MountedFs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "mount", mixinStandardHelpOptions = true,
    description = "Mount the filesystem on MOUNTPOINT and serve it until it is unmounted "
        + "(`truckeefs umount`, fusermount -u, umount, Ctrl-C or SIGTERM); then flush and exit.")
final class MountCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(MountCommand.class);

  @ParentCommand TruckeeCommand top;

  @Parameters(arity = "0..1", paramLabel = "MOUNTPOINT", description = "An empty directory (default: the mount setting).")
  Path mountPoint;

  @Option(names = "-o", split = ",", paramLabel = "OPT", description = "Extra libfuse options, comma separated.")
  List<String> fuseOptions = new ArrayList<>();

  @Option(names = "--fuse-api", paramLabel = "API", defaultValue = FuseAdapters.AUTO,
      description = "FUSE adapter: lowlevel (libfuse 3 through Java 22+ FFM), jnr (libfuse 2, Java 17) or auto "
          + "(lowlevel when it can run here, else jnr with a notice). Default: ${DEFAULT-VALUE}.")
  String fuseApi;

  @Option(names = "--metrics", paramLabel = "ADDR",
      description = "Also serve Prometheus metrics at http://ADDR/metrics while mounted; ADDR is [HOST:]PORT (off by default; a"
          + " bare PORT listens on 127.0.0.1 only). `truckeefs stats` does not need it: it reads the mount's private socket.")
  String metrics;

  @Option(names = "--background", description = "Return once mounted and keep serving in a detached process (fstab, scripts).")
  boolean background;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    Path mp = (mountPoint != null ? mountPoint
        : s.get("mount").map(Path::of).orElseThrow(() -> UserError.badInput(
            "no mount point: give one (`truckeefs mount DIR`) or set mount"))).toAbsolutePath().normalize();
    if (s.flag("test_compatibility")) {
      StartupChecks.requireCompatible(true);
    }
    try {
      FuseMount.checkMountPoint(mp);
    } catch (FsException e) {
      throw UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
    adapter(n -> {}); // a bad --fuse-api fails before anything starts; the fallback notice comes with the mount
    java.net.InetSocketAddress metricsAt = metrics == null ? null : MetricsEndpoint.address(metrics);
    if (background) {
      return Background.start(top, s.dataDir(), mp, top.spec.commandLine().getOut());
    }
    FileSystem fs = Engine.open(s); // reaches every backend in order before it creates or migrates anything
    try {
      if (s.flag("test_integration")) {
        StartupChecks.backends(s);
        StartupChecks.integration(fs);
      }
      if (s.flag("test_functionality")) {
        StartupChecks.functionality(fs);
      }
    } catch (FsException | RuntimeException e) {
      closeQuietly(fs);
      throw e;
    }
    FuseAdapter adapter = adapter(notice -> top.spec.commandLine().getErr().println(notice));
    // Always counted: `truckeefs stats` reads the mount's private socket; --metrics only adds a TCP endpoint.
    PrometheusMeterRegistry registry = MetricsEndpoint.registry();
    if (fs instanceof RiverFS river) {
      RiverFsMetrics.of(river).bindTo(registry);
    }
    FuseOptions opts = kernelCaching(s, adapter, s.fuseOptions().withExtra(fuseOptions)).withMeters(registry);
    MountedFs mount;
    try {
      mount = adapter.mount(fs, mp, opts); // owns fs from here: closes it when the mount fails or ends
    } catch (FsException e) {
      registry.close();
      throw e.error() == org.truckeefs.api.FsError.IO || e.error() == org.truckeefs.api.FsError.UNSUPPORTED
          ? e : UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
    try (AutoCloseable closesRegistry = registry::close;
        PidFile pid = PidFile.create(s.dataDir(), mp);
        StatsSocket socket = statsSocket(s.dataDir(), mp, registry);
        MetricsEndpoint endpoint = metricsAt == null ? null : metricsEndpoint(registry, metricsAt)) {
      if (endpoint != null) {
        String at = endpoint.address().getHostString() + ":" + endpoint.address().getPort();
        top.spec.commandLine().getOut().println("truckeefs: metrics at http://" + at + "/metrics");
      }
      top.spec.commandLine().getOut().println("truckeefs: mounted on " + mp + "; unmount with `truckeefs umount " + mp + "`");
      top.spec.commandLine().getOut().flush();
      mount.awaitUnmounted();
    }
    if (mount.failure() != null) {
      throw UserError.failed("the filesystem did not close cleanly: " + mount.failure().getMessage());
    }
    return 0;
  }

  /** The socket failing to start (a path too long for a socket) is reported; the mount keeps serving. */
  private StatsSocket statsSocket(Path dataDir, Path mp, PrometheusMeterRegistry registry) {
    try {
      return StatsSocket.start(dataDir, mp, registry);
    } catch (java.io.IOException | RuntimeException e) {
      top.spec.commandLine().getErr().println("truckeefs: no stats socket (`truckeefs stats` will not see this mount): "
          + e.getMessage());
      return null;
    }
  }

  /** The endpoint failing to start (port taken) is reported, but the mount keeps serving: metrics are optional. */
  private MetricsEndpoint metricsEndpoint(PrometheusMeterRegistry registry, java.net.InetSocketAddress at) {
    try {
      return MetricsEndpoint.start(registry, at);
    } catch (java.io.IOException e) {
      top.spec.commandLine().getErr().println("truckeefs: no metrics endpoint on " + at + ": " + e.getMessage());
      return null;
    }
  }

  private FuseAdapter adapter(java.util.function.Consumer<String> notice) throws Exception {
    try {
      return FuseAdapters.select(fuseApi, notice);
    } catch (FsException e) {
      throw e.error() == org.truckeefs.api.FsError.UNSUPPORTED ? e : UserError.badInput(e.getMessage().replaceFirst("^E[A-Z]+: ", ""));
    }
  }

  /**
   * The low-level adapter keeps the kernel's caches coherent (other hosts' changes arrive as invalidations), so its
   * timeouts default to {@link #COHERENT_TIMEOUT} instead of 1 s; and with {@code writeback_cache} (one host only)
   * the kernel caches writes too.
   */
  static FuseOptions kernelCaching(Settings s, FuseAdapter adapter, FuseOptions opts) {
    if (!adapter.name().equals(FuseAdapters.LOWLEVEL)) {
      return opts;
    }
    // The settings carry the keys' defaults, so "unset" cannot be told from "set to the default (1 s)": the default
    // value stands for the adapter's default.
    FuseOptions o = opts.withTimeouts(coherent(opts.attrTimeout()), coherent(opts.entryTimeout()));
    // Validated with the settings: true only with the in-JVM coordinator (one host).
    return o.withWritebackCache(s.flag("writeback_cache"));
  }

  private static Duration coherent(Duration configured) {
    return configured.equals(FuseOptions.DEFAULT_TIMEOUT) ? COHERENT_TIMEOUT : configured;
  }

  /** Attribute and entry timeout of the low-level adapter unless set: invalidations make long ones coherent. */
  static final Duration COHERENT_TIMEOUT = Duration.ofSeconds(30);

  private static void closeQuietly(FileSystem fs) {
    try {
      fs.close();
    } catch (Exception e) {
      log.warn("closing after a failed mount: {}", e.getMessage());
    }
  }
}
