package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.core.ConsoleAppender;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command tree a command line gets, and logging as set up in code. */
class WalstreamTest {

    @Test
    void everySubcommandIsNamedAsItsClassSays() throws Exception {
        for (var entry : Walstream.SUBCOMMANDS.entrySet()) {
            CommandLine.Command command = Class.forName(entry.getValue()).getAnnotation(CommandLine.Command.class);
            assertThat(command).as(entry.getValue()).isNotNull();
            assertThat(command.name()).isEqualTo(entry.getKey());
        }
    }

    @Test
    void aCommandLeavesNoIoThreadForTheExitToWaitFor(@TempDir Path dir) throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        assertThat(Walstream.run(new String[] {"receive", "-D", dir.resolve("a").toString(), "-d",
                "host=127.0.0.1 port=" + closedPort + " user=x", "-n", "--no-progress"})).isEqualTo(1);
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("walstream-io-")) {
                t.join(10_000);
                assertThat(t.isAlive()).as(t.getName() + " still running").isFalse();
            }
        }
    }

    @Test
    void aCommandLineNamingASubcommandGetsOnlyThatOne() {
        assertThat(Walstream.commandLine("receive").getSubcommands()).containsOnlyKeys("receive");
        assertThat(Walstream.commandLine("serve").getSubcommands()).containsOnlyKeys("serve");
    }

    @Test
    void helpUsageErrorsAndNoCommandGetTheWholeTree() {
        for (String first : new String[] {null, "help", "--help", "-V", "recieve"}) {
            assertThat(Walstream.commandLine(first).getSubcommands().keySet()).as(first)
                    .containsExactlyElementsOf(Walstream.SUBCOMMANDS.keySet());
        }
        assertThat(Walstream.commandLine().getSubcommands().keySet())
                .containsExactlyElementsOf(Walstream.SUBCOMMANDS.keySet());
    }

    @Test
    void aMistypedCommandIsStillAUsageErrorWithSuggestions() {
        var err = new java.io.StringWriter();
        CommandLine cl = Walstream.commandLine("recieve");
        cl.setErr(new java.io.PrintWriter(err, true));
        assertThat(cl.execute("recieve")).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString()).contains("Did you mean").contains("walstream receive");
    }

    @Test
    void loggingGoesToStderrWalstreamAtInfoTheRestAtWarn() {
        LoggerContext context = new LoggerContext();
        LogConfiguration.install(context);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertThat(root.getLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("io.walstream").getLevel()).isEqualTo(Level.INFO);
        assertThat(context.getLogger("io.netty").getEffectiveLevel()).isEqualTo(Level.WARN);
        var appender = (ConsoleAppender<?>) root.getAppender("STDERR");
        assertThat(appender.getTarget()).isEqualTo("System.err");
        assertThat(appender.isStarted()).isTrue();
        assertThat(((PatternLayoutEncoder) appender.getEncoder()).getPattern()).isEqualTo(LogConfiguration.PATTERN);
        context.stop();
    }

    @Test
    void aLogbackFileOfTheUsersWins() {
        // the test class path holds a logback-test.xml (store-s3's test jar): logback's own configurator reads it
        assertThat(LogConfiguration.userConfiguration()).isTrue();
    }
}
