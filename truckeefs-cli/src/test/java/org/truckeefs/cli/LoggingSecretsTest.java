package org.truckeefs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At the most verbose setting, and under an operator's logback file that asks for everything, the loggers that dump
 * HTTP requests (Tahoe caps in URLs, file contents in bodies) and Redis commands (AUTH) write nothing.
 */
class LoggingSecretsTest {
  static final String CAP = "URI:DIR2:abcdefghijklmnopqrstuvwxyz:0123456789abcdefghijklmnopqrstuvwxyz0123456789abcd";

  @TempDir Path tmp;

  @AfterEach
  void reset() {
    Logging.configure(0, null);
  }

  @Test
  void atTrace_wireHeaderAndCommandLoggersWriteNothing_whileOurOwnDebugLinesAreWritten() throws Exception {
    Path log = tmp.resolve("truckeefs.log");
    Logging.configure(3, log);
    logEverywhere();
    String written = Files.readString(log);
    assertThat(written).contains("our own debug line");
    assertThat(written).doesNotContain(CAP).doesNotContain("s3cret");
  }

  @Test
  void anOperatorsLogConfigAskingForTrace_stillKeepsTheSecretBearingLoggersQuiet() throws Exception {
    Path log = tmp.resolve("op.log");
    Path xml = tmp.resolve("logback.xml");
    Files.writeString(xml, """
        <configuration>
          <appender name="F" class="ch.qos.logback.core.FileAppender">
            <file>%s</file>
            <encoder><pattern>%%logger %%msg%%n</pattern></encoder>
          </appender>
          <logger name="org.apache.hc" level="TRACE"/>
          <root level="TRACE"><appender-ref ref="F"/></root>
        </configuration>
        """.formatted(log));
    Logging.configure(xml);
    logEverywhere();
    String written = Files.readString(log);
    assertThat(written).contains("our own debug line");
    assertThat(written).doesNotContain(CAP).doesNotContain("s3cret");
  }

  private static void logEverywhere() {
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(LoggerContext.class);
    LoggerFactory.getLogger("org.truckeefs.core.RiverFS").debug("our own debug line");
    for (String name : new String[] {"org.apache.hc.client5.http.wire", "org.apache.hc.client5.http.headers",
        "org.redisson.client.handler.CommandEncoder", "io.netty.handler.logging.LoggingHandler"}) {
      Logger l = LoggerFactory.getLogger(name);
      l.debug(">> \"PUT /uri/{} HTTP/1.1\"", CAP);
      l.trace("AUTH s3cret");
    }
  }
}
