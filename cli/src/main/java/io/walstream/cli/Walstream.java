package io.walstream.cli;

import io.walstream.walreceiver.ReplicationConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** The {@code walstream} command: one picocli subcommand class per job. */
@Command(
        name = "walstream",
        mixinStandardHelpOptions = true,
        versionProvider = Walstream.Version.class,
        description = "Receive, archive, verify, serve, restore and prune PostgreSQL WAL over physical streaming replication.")
public final class Walstream implements Callable<Integer> {

    /**
     * The subcommands by name, in the order help lists them; by class name, so that a command line loads only the
     * class it runs (WalstreamTest checks each name against its class's {@code @Command}).
     */
    static final Map<String, String> SUBCOMMANDS = subcommands("receive", "io.walstream.cli.ReceiveCommand",
            "restore", "io.walstream.cli.RestoreCommand", "serve", "io.walstream.cli.ServeCommand",
            "verify", "io.walstream.cli.VerifyCommand", "prune", "io.walstream.cli.PruneCommand",
            "status", "io.walstream.cli.StatusCommand", "check", "io.walstream.cli.CheckCommand",
            "simulate", "io.walstream.cli.SimulateCommand", "bench", "io.walstream.cli.BenchCommand",
            "demo", "io.walstream.cli.DemoCommand", "help", "picocli.CommandLine$HelpCommand");

    private static Map<String, String> subcommands(String... nameAndClass) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < nameAndClass.length; i += 2) {
            map.put(nameAndClass[i], nameAndClass[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }

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
        if (PrefetchFiller.takePrefetched(args)) {
            System.exit(0); // restore_command from object storage, the segment already fetched: a rename
        }
        System.exit(run(args));
    }

    /**
     * Runs the command a command line names; its exit code. Then stops the I/O thread replication connections share:
     * the JVM's exit waits up to 0.3 s for a thread in native code, and an idle event loop sits in epoll_wait.
     */
    static int run(String[] args) {
        int code = commandLine(args.length > 0 ? args[0] : null).execute(args);
        ReplicationConnection.stopSharedIoThread(Duration.ofSeconds(1));
        return code;
    }

    /** The whole command tree. */
    static CommandLine commandLine() {
        return commandLine(null);
    }

    /**
     * The command tree for a command line whose first word is {@code first}: only that subcommand when it names one
     * (picocli instantiates every subcommand it is given, with its options, mixins and their static state; all of
     * them cost a cold {@code receive} ~0.3 s before it connects), else all of them (help, usage errors).
     */
    static CommandLine commandLine(String first) {
        CommandLine cl = new CommandLine(new Walstream());
        boolean named = first != null && !first.equals("help") && SUBCOMMANDS.containsKey(first);
        SUBCOMMANDS.forEach((name, className) -> {
            if (!named || name.equals(first)) {
                try {
                    cl.addSubcommand(name, Class.forName(className));
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException("walstream's jar lacks " + className, e);
                }
            }
        });
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
