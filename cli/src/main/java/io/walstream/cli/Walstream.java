package io.walstream.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;

/** The {@code walstream} command: one picocli subcommand class per job. */
@Command(
        name = "walstream",
        mixinStandardHelpOptions = true,
        versionProvider = Walstream.Version.class,
        description = "Receive, archive, verify and restore PostgreSQL WAL over physical streaming replication.",
        subcommands = {
            NotYetImplemented.Receive.class,
            NotYetImplemented.Restore.class,
            VerifyCommand.class,
            NotYetImplemented.Status.class,
            NotYetImplemented.Check.class,
            NotYetImplemented.Simulate.class,
            NotYetImplemented.Bench.class,
            NotYetImplemented.Demo.class,
            HelpCommand.class
        })
public final class Walstream implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new Walstream());
    }

    /** Reads the version Maven filtered into the jar. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = new Properties();
            try (InputStream in = Walstream.class.getResourceAsStream("/walstream-version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new String[] {
                "walstream " + p.getProperty("walstream.version", "unknown"),
                "JVM: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
            };
        }
    }
}
