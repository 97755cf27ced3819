package org.truckeefs.redis;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.truckeefs.api.FsException;
import org.truckeefs.spi.BackendConfig;
import org.truckeefs.spi.BackendContext;
import org.truckeefs.spi.Coordinator;
import org.truckeefs.spi.Ticker;
import org.truckeefs.testkit.RequiredService;

/**
 * A throw-away {@code redis-server} without persistence on a private port (never the shared server on 6379, which
 * other engineers use), for tests that stop and restart Redis. Register it with {@code @RegisterExtension}: on an
 * instance field it runs for each test, on a static field for the whole class; either way it is always stopped.
 */
final class PrivateRedis implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
  private static final Duration UP_OR_DOWN = Duration.ofSeconds(10);

  final int port;
  private final java.util.List<String> extra;
  /** Started by {@link #beforeAll}: registered on a static field, so the per-test callbacks leave it running. */
  private boolean perClass;

  PrivateRedis(int port, String... extraArgs) {
    this.port = port;
    this.extra = java.util.List.of(extraArgs);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    require();
    start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    stop();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      require();
      start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      stop();
    }
  }

  /** Skips (or fails in CI) when redis-server is missing or the port is taken. */
  /** A coordinator on this server: namespace {@code ns}, {@code settings}, background work on {@code scheduler}. */
  Coordinator coordinator(String ns, Map<String, String> settings, ScheduledExecutorService scheduler)
      throws FsException {
    BackendContext ctx = new BackendContext(ns, Path.of("unused"), Clock.systemUTC(), Ticker.system(), scheduler);
    return new RedisCoordinatorProvider().create(URI.create("redis://127.0.0.1:" + port + "/0"),
        BackendConfig.of(settings), ctx);
  }

  void require() {
    RequiredService.require(canRun("redis-server"), "redis-server is not installed");
    RequiredService.require(!RequiredService.canConnect("127.0.0.1", port), "port " + port + " is taken");
  }

  private static boolean canRun(String command) {
    try {
      return new ProcessBuilder(command, "--version").start().waitFor() == 0;
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  void start() throws IOException, InterruptedException {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("redis-server", "--port",
        String.valueOf(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "yes"));
    cmd.addAll(extra);
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("redis-server did not start on port " + port);
    }
    await("redis-server on port " + port + " up").atMost(UP_OR_DOWN).pollInterval(Duration.ofMillis(50))
        .until(() -> RequiredService.canConnect("127.0.0.1", port));
  }

  void stop() throws IOException, InterruptedException {
    if (RequiredService.canConnect("127.0.0.1", port)) {
      java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("redis-cli", "-p", String.valueOf(port)));
      for (int i = 0; i + 1 < extra.size(); i++) {
        if (extra.get(i).equals("--requirepass")) {
          cmd.addAll(java.util.List.of("--no-auth-warning", "-a", extra.get(i + 1)));
        }
      }
      cmd.addAll(java.util.List.of("shutdown", "nosave"));
      new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }
    await("redis-server on port " + port + " down").atMost(UP_OR_DOWN).pollInterval(Duration.ofMillis(50))
        .until(() -> !RequiredService.canConnect("127.0.0.1", port));
  }

  /** Stops the server for {@code length} and starts it again, empty: an outage a workload must ride out. */
  void outage(Duration length) throws IOException, InterruptedException {
    stop();
    Thread.sleep(length.toMillis()); // the outage's length is the point: there is no condition to wait for
    start();
  }
}
