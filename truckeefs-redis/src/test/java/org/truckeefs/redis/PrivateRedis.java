package org.truckeefs.redis;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.truckeefs.testkit.RequiredService;

/**
 * A throw-away {@code redis-server} without persistence on a private port (never the shared server on 6379, which
 * other engineers use), for tests that stop and restart Redis. Always {@link #stop} it.
 */
final class PrivateRedis {
  final int port;

  PrivateRedis(int port) {
    this.port = port;
  }

  /** Skips (or fails in CI) when redis-server is missing or the port is taken. */
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
    Process p = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "yes").inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException("redis-server did not start on port " + port);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!RequiredService.canConnect("127.0.0.1", port)) {
      if (System.nanoTime() > deadline) {
        throw new IOException("redis-server on port " + port + " did not come up");
      }
      Thread.sleep(50);
    }
  }

  void stop() throws IOException, InterruptedException {
    if (RequiredService.canConnect("127.0.0.1", port)) {
      new ProcessBuilder("redis-cli", "-p", String.valueOf(port), "shutdown", "nosave").inheritIO().start().waitFor();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (RequiredService.canConnect("127.0.0.1", port) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }
}
