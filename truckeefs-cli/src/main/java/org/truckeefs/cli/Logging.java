package org.truckeefs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Logging from {@code -v/-vv/-vvv} and {@code --log-file}; configured in code so no file is needed. */
final class Logging {
  private Logging() {}

  /**
   * {@code --log-config FILE}: the operator's own logback configuration replaces the built-in one entirely
   * (appenders, levels, rotation); -v and --log-file then do nothing.
   */
  static void configure(Path logbackXml) {
    if (!java.nio.file.Files.isRegularFile(logbackXml)) {
      throw UserError.badInput("--log-config " + logbackXml + " does not exist");
    }
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    ch.qos.logback.classic.joran.JoranConfigurator jc = new ch.qos.logback.classic.joran.JoranConfigurator();
    jc.setContext(ctx);
    try {
      jc.doConfigure(logbackXml.toFile());
    } catch (ch.qos.logback.core.joran.spi.JoranException e) {
      throw UserError.badInput("--log-config " + logbackXml + " is not a valid logback configuration: "
          + e.getMessage());
    }
    if (ctx.getStatusManager().getCopyOfStatusList().stream()
        .anyMatch(st -> st.getLevel() == ch.qos.logback.core.status.Status.ERROR)) {
      throw UserError.badInput("--log-config " + logbackXml + " has errors: "
          + ctx.getStatusManager().getCopyOfStatusList().stream()
              .filter(st -> st.getLevel() == ch.qos.logback.core.status.Status.ERROR)
              .map(st -> st.getMessage()).findFirst().orElse(""));
    }
    keepSecretsOut(ctx);
  }

  static void configure(int verbosity, Path logFile) {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    ctx.reset();
    // Without -v the terminal shows errors only: a failing start is then the command's one line, not a line
    // per retry. The log file always gets warnings.
    Level console = switch (verbosity) {
      case 0 -> Level.ERROR;
      case 1 -> Level.INFO;
      case 2 -> Level.DEBUG;
      default -> Level.TRACE;
    };
    Level level = logFile != null && console.toInt() > Level.WARN.toInt() ? Level.WARN : console;
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level);
    // Stack traces only when asked for (-vv); a user sees one line per problem.
    String pattern = verbosity >= 2 ? "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n" : "truckeefs: %msg%n%nopex";
    ConsoleAppender<ILoggingEvent> err = new ConsoleAppender<>();
    err.setTarget("System.err");
    ThresholdFilter threshold = new ThresholdFilter();
    threshold.setLevel(console.levelStr);
    threshold.setContext(ctx);
    threshold.start();
    err.addFilter(threshold);
    start(ctx, err, pattern, "console");
    root.addAppender(err);
    if (logFile != null) {
      try {
        PrivateFiles.create(logFile);
      } catch (java.io.IOException e) {
        throw UserError.failed("cannot create the log file " + logFile + ": " + e.getMessage());
      }
      FileAppender<ILoggingEvent> file = new FileAppender<>();
      file.setFile(logFile.toAbsolutePath().toString());
      file.setAppend(true);
      start(ctx, file, "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{36} - %msg%n", "file");
      root.addAppender(file);
    }
    // Quiet libraries that are chatty at INFO.
    ctx.getLogger("com.zaxxer.hikari").setLevel(verbosity >= 3 ? Level.DEBUG : Level.WARN);
    ctx.getLogger("org.flywaydb").setLevel(verbosity >= 3 ? Level.DEBUG : Level.WARN);
    ctx.getLogger("org.redisson").setLevel(verbosity >= 3 ? Level.DEBUG : Level.WARN);
    ctx.getLogger("io.netty").setLevel(Level.WARN);
    ctx.getLogger("org.jooq").setLevel(Level.WARN);
    keepSecretsOut(ctx);
  }

  /**
   * Loggers that print request lines, headers, bodies or protocol frames carry caps (Tahoe URLs), passwords (Redis
   * AUTH) and file contents: held at INFO whatever -v or an operator's --log-config asks, since secrets never reach a
   * log at any verbosity.
   */
  static final List<String> SECRET_BEARING = List.of(
      "org.apache.hc", // HttpClient 5: wire and header dumps at DEBUG
      "org.redisson.client.handler", // Redisson: encoded commands (AUTH included) at TRACE
      "io.netty.handler.logging"); // Netty's LoggingHandler: raw frames

  static void keepSecretsOut(LoggerContext ctx) {
    for (String name : SECRET_BEARING) {
      Logger l = ctx.getLogger(name);
      if (l.getEffectiveLevel().toInt() < Level.INFO.toInt()) {
        l.setLevel(Level.INFO);
      }
    }
  }

  private static void start(LoggerContext ctx, OutputStreamAppender<ILoggingEvent> a, String pattern, String name) {
    PatternLayoutEncoder enc = new PatternLayoutEncoder();
    enc.setContext(ctx);
    enc.setPattern(pattern);
    enc.start();
    a.setContext(ctx);
    a.setName(name);
    a.setEncoder(enc);
    a.start();
  }
}
