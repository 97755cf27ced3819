package org.truckeefs.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsMetrics;

/**
 * {@code mount --metrics [HOST:]PORT}: a Prometheus text endpoint at {@code /metrics} for the mounted filesystem
 * (core's {@link RiverFsMetrics}) and the JVM. Off unless asked for; a bare port listens on loopback only, since
 * the numbers describe the host's workload. The JDK's own HTTP server: one endpoint needs no web framework.
 */
final class MetricsEndpoint implements AutoCloseable {
  private final HttpServer server;
  /** The registry this endpoint made and closes, or null when the caller owns it. */
  private final PrometheusMeterRegistry owned;

  private MetricsEndpoint(HttpServer server, PrometheusMeterRegistry owned) {
    this.server = server;
    this.owned = owned;
  }

  /**
   * A mount's registry: the JVM's meters now; the FUSE funnel's ({@code FuseOptions.withMeters}) and the
   * filesystem's ({@link RiverFsMetrics}) are added by the mount.
   */
  static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    return registry;
  }

  /** Parses {@code PORT}, {@code HOST:PORT} or {@code [V6]:PORT}; bad input names the option. */
  static InetSocketAddress address(String spec) {
    String host = "127.0.0.1";
    String port = spec;
    int colon = spec.lastIndexOf(':');
    if (colon >= 0) {
      host = spec.substring(0, colon).replace("[", "").replace("]", "");
      port = spec.substring(colon + 1);
    }
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535 || host.isEmpty()) {
        throw new NumberFormatException();
      }
      return new InetSocketAddress(host, p);
    } catch (NumberFormatException e) {
      throw UserError.badInput("--metrics " + spec + " is not [HOST:]PORT (e.g. 9464 or 0.0.0.0:9464)");
    }
  }

  /** An endpoint for {@code fs} alone (an embedding application's, or a test's), with a registry of its own. */
  static MetricsEndpoint start(RiverFS fs, InetSocketAddress at) throws IOException {
    PrometheusMeterRegistry registry = registry();
    RiverFsMetrics.of(fs).bindTo(registry);
    try {
      return start(registry, at, registry);
    } catch (IOException | RuntimeException e) {
      registry.close();
      throw e;
    }
  }

  /** An endpoint serving {@code registry}, which the caller keeps and closes. */
  static MetricsEndpoint start(PrometheusMeterRegistry registry, InetSocketAddress at) throws IOException {
    return start(registry, at, null);
  }

  private static MetricsEndpoint start(PrometheusMeterRegistry registry, InetSocketAddress at,
      PrometheusMeterRegistry owned) throws IOException {
    HttpServer server = HttpServer.create(at, 8);
    server.createContext("/metrics", exchange -> {
      byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "truckeefs-metrics");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new MetricsEndpoint(server, owned);
  }

  InetSocketAddress address() {
    return server.getAddress();
  }

  @Override
  public void close() {
    server.stop(0);
    if (owned != null) {
      owned.close();
    }
  }
}
