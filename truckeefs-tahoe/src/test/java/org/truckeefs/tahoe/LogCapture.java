package org.truckeefs.tahoe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Captures every log event of org.truckeefs at DEBUG, with the messages of attached throwables. */
final class LogCapture implements AutoCloseable {
  private final Logger logger = (Logger) LoggerFactory.getLogger("org.truckeefs");
  private final Level previous;
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  LogCapture() {
    previous = logger.getLevel();
    appender.start();
    logger.addAppender(appender);
    logger.setLevel(Level.DEBUG);
  }

  /** Each event's formatted message, and the class and message of every throwable in its chain. */
  List<String> lines() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : appender.list) {
      out.add(e.getFormattedMessage());
      for (IThrowableProxy t = e.getThrowableProxy(); t != null; t = t.getCause()) {
        out.add(t.getClassName() + ": " + t.getMessage());
      }
    }
    return out;
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    logger.setLevel(previous);
  }
}
