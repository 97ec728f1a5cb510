package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a freshly started {@code walstream receive} loads before it connects (issue 17's cold start): the product
 * jar as a user runs it, class loading logged. Logging is set up in code, not by logback's XML reader; picocli gets
 * the receive command only.
 */
class ColdStartIT {

    @Test
    void aReceiveProcessLoadsNoXmlParserAndNoOtherCommand(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-verbose:class", "-jar", CrashHarness.jar().toString(), "receive", "-D", dir.resolve("a").toString(),
                "-d", "host=127.0.0.1 port=" + closedPort + " user=x", "-n");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(1);
        assertThat(output).contains("could not connect to 127.0.0.1:" + closedPort)
                .contains("io.walstream.cli.LogConfiguration").contains("io.walstream.cli.ReceiveCommand")
                .doesNotContain("ch.qos.logback.core.joran.GenericXMLConfigurator")
                .doesNotContain("com.sun.org.apache.xerces")
                .doesNotContain("io.walstream.cli.StatusCommand").doesNotContain("io.walstream.cli.BenchCommand")
                .doesNotContain("io.walstream.cli.SimulateCommand").doesNotContain("io.walstream.cli.DemoCommand");
    }
}
