package io.walstream.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Log level for a command: INFO for walstream (stderr, see {@link LogConfiguration}), DEBUG with -v. */
final class Logging {

    private Logging() {
    }

    static void configure(boolean verbose) {
        configure(verbose, Level.INFO);
    }

    /** As {@link #configure(boolean)}, with {@code normal} as the level without -v. */
    static void configure(boolean verbose, Level normal) {
        ((Logger) LoggerFactory.getLogger("io.walstream")).setLevel(verbose ? Level.DEBUG : normal);
        Walstream.verbose = verbose;
    }
}
