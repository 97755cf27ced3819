package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.testkit.tahoe.Fault;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * No cap and no file content reaches a log at the most verbose level: a FLAT and a MIRROR workload with retries,
 * error answers (a traceback that quotes a cap) and a restart, every logger at TRACE except HttpClient's, which stays at
 * INFO (its DEBUG loggers print request lines, headers and wire bytes, so every logging configuration must hold
 * {@code org.apache.hc} at INFO or above; {@link #httpClientDebugWouldLeak} shows why).
 */
class LogSecretsTest {
  private static final String SECRET_TEXT = "SECRET-CONTENT-0123456789-do-not-log";
  private final LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Map<String, Level> previous = new HashMap<>();
  @TempDir Path tmp;

  @BeforeEach
  void mostVerbose() {
    appender.setContext(ctx);
    appender.start();
    ctx.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(appender);
    level(Logger.ROOT_LOGGER_NAME, Level.TRACE);
    level("org.truckeefs", Level.TRACE);
    level("org.apache.hc", Level.INFO);
  }

  private void level(String logger, Level l) {
    Logger lg = ctx.getLogger(logger);
    previous.putIfAbsent(logger, lg.getLevel());
    lg.setLevel(l);
  }

  @AfterEach
  void restore() {
    ctx.getLogger(Logger.ROOT_LOGGER_NAME).detachAppender(appender);
    previous.forEach((name, l) -> ctx.getLogger(name).setLevel(l));
  }

  @Test
  void aTahoeWorkloadAtTraceLogsNoCapAndNoContent() throws Exception {
    byte[] secret = (SECRET_TEXT + " ".repeat(100)).repeat(3000).getBytes(StandardCharsets.UTF_8);
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start()) {
      for (String strategy : new String[] {"FLAT", "MIRROR"}) {
        TahoeRiverFs h = new TahoeRiverFs(gw, tmp.resolve(strategy), "backend_storage_strategy", strategy,
            "net_retry_delay", "10ms");
        try (RiverFS fs = h.open()) {
          PathFileSystem p = new PathFileSystem(fs);
          p.mkdirs("/a/b");
          p.write("/a/b/small", SECRET_TEXT.getBytes(StandardCharsets.UTF_8));
          p.write("/a/big", secret);
          gw.injectFaults("PUT", 2, Fault.noServers());
          gw.injectFaults("POST", 1, Fault.traceback("allmydata.mutable.common.UncoordinatedWriteError",
              "URI:DIR2:leakedwritecap:xyz"));
          p.write("/a/again", secret);
          p.rename("/a/again", "/a/b/moved");
          fs.syncAll();
          p.delete("/a/b/small");
        }
        try (RiverFS fs = h.openWithEmptyCache("cold")) {
          assertThat(new PathFileSystem(fs).readAllBytes("/a/big")).isEqualTo(secret);
        }
        gw.clearFaults();
      }
    }
    List<String> lines = lines();
    assertThat(lines).as("something was logged at TRACE").isNotEmpty();
    assertThat(lines).noneMatch(l -> l.contains("URI:") || l.contains("URI%3A"));
    assertThat(lines).noneMatch(l -> l.contains("SECRET-CONTENT"));
  }

  @Test
  void httpClientDebugWouldLeak() throws Exception {
    level("org.apache.hc", Level.DEBUG);
    try (TahoeGatewayEmulator gw = TahoeGatewayEmulator.start()) {
      TahoeRiverFs h = new TahoeRiverFs(gw, tmp);
      try (RiverFS fs = h.open()) {
        new PathFileSystem(fs).write("/f", SECRET_TEXT.repeat(10).getBytes(StandardCharsets.UTF_8));
        fs.syncAll();
      }
      TahoeRiverFs.await(Duration.ofSeconds(5), "a request line logged", () -> lines().stream()
          .anyMatch(l -> l.contains("URI:") || l.contains("URI%3A")));
    }
  }

  private List<String> lines() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : new ArrayList<>(appender.list)) {
      out.add(e.getFormattedMessage());
      out.add(String.valueOf(e.getMDCPropertyMap()));
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        out.add(t.getClassName() + ": " + t.getMessage());
      }
    }
    return out;
  }
}
