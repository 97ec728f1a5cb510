package io.walstream.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Log level for a command: INFO for walstream (stderr, see logback.xml), DEBUG with -v. */
final class Logging {

    private Logging() {
    }

    static void configure(boolean verbose) {
        ((Logger) LoggerFactory.getLogger("io.walstream")).setLevel(verbose ? Level.DEBUG : Level.INFO);
        Walstream.verbose = verbose;
    }
}
