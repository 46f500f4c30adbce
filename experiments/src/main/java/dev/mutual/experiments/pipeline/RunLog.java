package dev.mutual.experiments.pipeline;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * Copies everything Mutual logs during a run into the run directory's {@code log.txt} (appending, so a resumed
 * run keeps the earlier attempts' lines), by adding a Logback file appender to the root logger until closed.
 */
final class RunLog implements AutoCloseable {

    private final FileAppender<ILoggingEvent> appender;
    private final Logger root;

    RunLog(Path file) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            throw new IllegalStateException("Logback is not the SLF4J binding; cannot write " + file);
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        encoder.start();
        appender = new FileAppender<>();
        appender.setContext(ctx);
        appender.setName("run:" + file);
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(appender);
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
