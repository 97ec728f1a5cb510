package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code walstream receive}'s command line, without a server: help, and usage errors with exit 2. */
class ReceiveCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void helpWorksDespiteTheHostOptionTakingDashH() {
        assertThat(run("receive", "--help")).isZero();
        assertThat(out.toString()).contains("Usage: walstream receive").contains("--compress").contains("-h, --host")
                .contains("--metrics-port");
    }

    @Test
    void anUnknownCompressionIsAUsageError() {
        assertThat(run("receive", "-D", "/nonexistent/walstream-test", "-h", "127.0.0.1", "--compress", "brotli"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("unknown compression \"brotli\"");
    }

    @Test
    void aCompressionLevelOutOfRangeIsAUsageError() {
        assertThat(run("receive", "-D", "/nonexistent/walstream-test", "-h", "127.0.0.1", "--compress", "gzip:12"))
                .isEqualTo(2);
        assertThat(err.toString()).contains("compression level 12 for gzip");
    }
}
