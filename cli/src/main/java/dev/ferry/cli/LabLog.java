package dev.ferry.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Where a lab run's logs go: to a file (the report folder's {@code lab.log}, or one in the temporary
 * folder), so that the terminal shows the run's progress and results; only errors reach the
 * terminal as well. {@code -v} leaves the logs on the terminal too.
 */
final class LabLog {
  private LabLog() {}

  /** Sends every log line to {@code file}, and only errors to the terminal; returns the file. */
  static Path toFile(Path file) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return null; // another logging backend: its own configuration decides
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{24} %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName("LAB_FILE");
    appender.setFile(file.toString());
    appender.setAppend(false);
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
      Appender<ILoggingEvent> console = it.next();
      ThresholdFilter errorsOnly = new ThresholdFilter();
      errorsOnly.setLevel(Level.ERROR.toString());
      errorsOnly.start();
      console.addFilter(errorsOnly);
    }
    root.addAppender(appender);
    return file;
  }
}
