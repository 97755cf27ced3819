package org.truckeefs.testkit;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Guards tests that need a real service (MariaDB, Redis, /dev/fuse). In CI ({@code CI=true}) a missing service
 * fails the test, so a broken CI machine cannot turn the suite green by skipping; elsewhere the test is skipped
 * with a message saying what to start.
 */
public final class RequiredService {
  private RequiredService() {}

  public static boolean inCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** Requires {@code condition}; {@code whatIsMissing} says what to start or install. */
  public static void require(boolean condition, String whatIsMissing) {
    if (condition) {
      return;
    }
    if (inCi()) {
      Assertions.fail("CI=true and a required service is missing: " + whatIsMissing);
    }
    Assumptions.abort("skipped: " + whatIsMissing + " (set CI=true to make this a failure)");
  }

  /** Requires a TCP listener on host:port. */
  public static void requireTcp(String name, String host, int port) {
    require(canConnect(host, port), name + " is not reachable on " + host + ":" + port);
  }

  public static void requireMariaDb() {
    requireTcp("MariaDB", "127.0.0.1", 3306);
  }

  public static void requireRedis() {
    requireTcp("Redis", "127.0.0.1", 6379);
  }

  public static boolean canConnect(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 1000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
