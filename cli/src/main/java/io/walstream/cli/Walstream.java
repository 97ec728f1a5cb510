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
        description = "Receive, archive, verify, serve, restore and prune PostgreSQL WAL over physical streaming replication.",
        subcommands = {
            ReceiveCommand.class,
            RestoreCommand.class,
            ServeCommand.class,
            VerifyCommand.class,
            PruneCommand.class,
            StatusCommand.class,
            CheckCommand.class,
            SimulateCommand.class,
            BenchCommand.class,
            DemoCommand.class,
            HelpCommand.class
        })
public final class Walstream implements Callable<Integer> {

    /** Set by commands with -v: errors then come with their stack trace. */
    static volatile boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return CommandLine.ExitCode.USAGE;
    }

    public static void main(String[] args) {
        OneShotRestore.Request restore = OneShotRestore.parse(args);
        if (restore != null) {
            OneShotRestore.main(restore); // restore_command: one process per WAL file, so no command tree
        }
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Walstream());
        cl.setExecutionExceptionHandler(Walstream::reportFailure);
        return cl;
    }

    /** One line naming the cause (server message and SQLSTATE, file and LSN); a stack trace only with -v. */
    private static int reportFailure(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        if (verbose) {
            e.printStackTrace();
        }
        cl.getErr().println(OneShotRestore.failureLine(cl.getCommandName(), e));
        cl.getErr().flush();
        return 1;
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
