package io.walstream.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * walstream's logging, set up in code rather than by a {@code logback.xml}: reading XML loaded ~300 classes (the
 * JDK's XML parser, logback's Joran) and cost a cold start more than anything else before the first byte
 * (benchmarks/README.md, "Cold start"). Logs go to stderr (stdout is for machine-readable output, {@code --json});
 * walstream at INFO ({@link Logging} sets DEBUG for -v), everything else at WARN. A user's own configuration still
 * wins: {@code -Dlogback.configurationFile=FILE}, or a {@code logback.xml} on the class path.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogConfiguration extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{HH:mm:ss.SSS} walstream %-5level %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (userConfiguration()) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        install(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** A logback configuration of the user's (or a test's) that logback's own configurator reads instead. */
    static boolean userConfiguration() {
        ClassLoader loader = LogConfiguration.class.getClassLoader();
        return System.getProperty("logback.configurationFile") != null
                || loader.getResource("logback-test.xml") != null || loader.getResource("logback.xml") != null;
    }

    static void install(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("io.walstream").setLevel(Level.INFO);
    }
}
