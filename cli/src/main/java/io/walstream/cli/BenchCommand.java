package io.walstream.cli;

import io.walstream.benchmarks.CatchUpBenchmark;
import io.walstream.benchmarks.LagBenchmark;
import io.walstream.benchmarks.RestoreBenchmark;
import io.walstream.benchmarks.SyncBenchmark;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code walstream bench}: end-to-end measurements against pg_receivewal on the same machine, in the same run. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = {BenchCommand.CatchUp.class, BenchCommand.Sync.class, BenchCommand.Lag.class,
            BenchCommand.Restore.class},
        description = {"End-to-end benchmarks of walstream against pg_receivewal and cp on this machine.",
            "Each runs the receivers in turn against an embedded primary and prints ratios between runs of the"
                + " same invocation, which stay comparable on a busy machine."})
final class BenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CommandLine.ExitCode.USAGE;
    }

    @Command(name = "catchup", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Catch-up throughput: drain a backlog of WAL into a fresh directory with each receiver in turn.",
                "A slot on an embedded primary holds the backlog; the receivers are walstream, walstream --compress"
                    + " lz4 (both in this JVM), walstream receive as a new process (java -jar: JVM start and a cold JIT"
                    + " in every run, as pg_receivewal's start is), pg_receivewal with and without lz4 (when installed),"
                    + " and two ceilings: a null sink (server"
                    + " and protocol) and an fsync'd sequential write of the same bytes (disk). Rounds alternate the"
                    + " receivers; the first is a warm-up.",
                "Prints MB/s per run, then min/median/max and ratios to pg_receivewal and to the disk ceiling."
            })
    static final class CatchUp implements Callable<Integer> {

        @Option(names = "--mb", paramLabel = "MB", defaultValue = "1024", description = "Backlog size (default ${DEFAULT-VALUE}).")
        int megabytes;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "4",
                description = "Rounds, the first a warm-up (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--only", paramLabel = "RECEIVER", split = ",",
                description = "Run only these (e.g. --only 'walstream none,disk ceiling'); default: all.")
        java.util.List<String> only = java.util.List.of();

        @CommandLine.Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            Path work = common.workDir();
            // as a user starts it: through the repository's launcher (and its class archive) when this jar is its
            Path launcher = launcher();
            List<String> walstream = launcher != null ? List.of(launcher.toString()) : javaCommand();
            common.spec.commandLine().getOut().println("walstream process: " + String.join(" ", walstream)
                    + " receive -D DIR -d CONNINFO -E END -n");
            CatchUpBenchmark.Options options = common.options(() ->
                    new CatchUpBenchmark.Options(megabytes, rounds, common.pgVersion, work, only, walstream));
            var results = CatchUpBenchmark.run(options, common.spec.commandLine().getOut());
            if (common.svg != null) {
                CatchUpBenchmark.writeSvg(results, "Catching up on a backlog", common.svg);
            }
            return 0;
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Commit rate and latency with each receiver in turn as the only synchronous standby.",
                "A write load (pgbench when installed, else a Java load) runs with synchronous_commit=on against"
                    + " each candidate: none, PostgreSQL's own streaming standby, pg_receivewal --synchronous (when"
                    + " installed) and walstream --synchronous. Rounds alternate the candidates; the first is a"
                    + " warm-up.",
                "Prints TPS and p99 latency per run, then min/median/max and ratios to PostgreSQL's standby and"
                    + " pg_receivewal."
            })
    static final class Sync implements Callable<Integer> {

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "4",
                description = "Rounds, the first a warm-up (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "Load per run (default ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--clients", paramLabel = "N", defaultValue = "8", description = "Load clients (default ${DEFAULT-VALUE}).")
        int clients;

        @CommandLine.Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            Path work = common.workDir();
            SyncBenchmark.Options options = common.options(() ->
                    new SyncBenchmark.Options(rounds, seconds, clients, common.pgVersion, work));
            var results = SyncBenchmark.run(options, common.spec.commandLine().getOut());
            if (common.svg != null) {
                SyncBenchmark.writeSvg(results, "As the synchronous standby", common.svg);
            }
            return 0;
        }
    }

    @Command(name = "lag", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Write and flush lag of each receiver under a steady write load.",
                "The load is pgbench --rate when installed, else a Java load; lag is sampled from"
                    + " pg_stat_replication every 100 ms for PostgreSQL's standby and for each receiver in its"
                    + " default mode and with --synchronous, and walstream's own lag too. Rounds alternate; the first"
                    + " is a warm-up.",
                "Prints p50/p95/p99/max per receiver and the flush-lag p99 ratio to pg_receivewal --synchronous."
            })
    static final class Lag implements Callable<Integer> {

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
                description = "Rounds, the first a warm-up (default ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--seconds", paramLabel = "S", defaultValue = "20", description = "Load per run (default ${DEFAULT-VALUE}).")
        int seconds;

        @Option(names = "--rate", paramLabel = "TPS", defaultValue = "300",
                description = "Transactions per second of the load (default ${DEFAULT-VALUE}).")
        int rate;

        @CommandLine.Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            Path work = common.workDir();
            LagBenchmark.Options options = common.options(() ->
                    new LagBenchmark.Options(rounds, seconds, rate, common.pgVersion, work));
            var results = LagBenchmark.run(options, common.spec.commandLine().getOut());
            if (common.svg != null) {
                LagBenchmark.writeSvg(results, "Flush lag under a steady load", common.svg);
            }
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "restore_command as PostgreSQL runs it: cp against walstream restore and serve + curl, per segment.",
                "A new process per segment, one after another. Archives real WAL from an embedded primary with"
                    + " walstream receive, plain and zstd, then restores every segment with each command in turn: cp,"
                    + " zstd -d (when installed), curl file:// (curl copying the local file: the floor of any"
                    + " restore_command that starts curl), walstream restore as 'java -jar walstream.jar' and through"
                    + " the repository's ./walstream launcher (when this jar is the one it builds), and curl against a"
                    + " 'walstream serve' process started once per archive (curl must be on PATH). Rounds alternate"
                    + " the commands; the first is a warm-up.",
                "Prints ms per segment, min/median/max, and the ratio of the medians to cp."
            })
    static final class Restore implements Callable<Integer> {

        @Option(names = "--segments", paramLabel = "N", defaultValue = "8",
                description = "Segments of WAL restored per command and round (default ${DEFAULT-VALUE}).")
        int segments;

        @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
                description = "Rounds, the first a warm-up (default ${DEFAULT-VALUE}).")
        int rounds;

        @CommandLine.Mixin
        Common common;

        @Override
        public Integer call() throws Exception {
            Path curl = RestoreBenchmark.findOnPath("curl");
            if (curl == null) {
                throw new IllegalStateException("curl, the restore_command of the serve + curl column, was not found"
                        + " on PATH: install it (Debian/Ubuntu: apt-get install -y curl)");
            }
            Path work = common.workDir();
            List<RestoreBenchmark.Command> commands = new ArrayList<>(RestoreBenchmark.baselines());
            for (RestoreBenchmark.Archive archive : RestoreBenchmark.Archive.values()) {
                commands.add(new RestoreBenchmark.Command("walstream restore", archive,
                        javaCommand() + " restore %f %p -D %d"));
                Path launcher = launcher();
                if (launcher != null) {
                    commands.add(new RestoreBenchmark.Command("./walstream restore", archive,
                            RestoreBenchmark.shellQuote(launcher.toString()) + " restore %f %p -D %d"));
                }
                // serve runs as it does in production: its own JVM, started once, the same jar as restore.
                commands.add(new RestoreBenchmark.Command("serve + curl", archive,
                        RestoreBenchmark.shellQuote(curl.toString()) + " -fsS -o %p http://127.0.0.1:%P/wal/%f",
                        javaCommand() + " serve -D %d --listen 127.0.0.1:%P"));
            }
            RestoreBenchmark.Options options = common.options(() ->
                    new RestoreBenchmark.Options(segments, rounds, common.pgVersion, work, commands));
            var results = RestoreBenchmark.run(options, common.spec.commandLine().getOut());
            if (common.svg != null) {
                RestoreBenchmark.writeSvg(results, "restore_command per segment", common.svg);
            }
            return 0;
        }

        /** {@link BenchCommand#javaCommand()} for {@code sh -c}. */
        private static String javaCommand() throws IOException {
            return String.join(" ", BenchCommand.javaCommand().stream().map(RestoreBenchmark::shellQuote).toList());
        }

    }

    /** The repository's launcher when this is the jar it builds (ROOT/cli/target/walstream.jar), else null. */
    private static Path launcher() throws Exception {
        Path code = Path.of(Walstream.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toAbsolutePath();
        if (!Files.isRegularFile(code) || !code.endsWith(Path.of("cli", "target", "walstream.jar"))) {
            return null;
        }
        Path launcher = code.getParent().getParent().getParent().resolve("walstream");
        return Files.isExecutable(launcher) ? launcher : null;
    }

    /** This JVM's java with this classpath: {@code java -jar walstream.jar} when run so. */
    static List<String> javaCommand() throws IOException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("java.class.path");
        if (classpath.endsWith(".jar") && !classpath.contains(File.pathSeparator)
                && DemoCommand.isRunnable(Path.of(classpath))) {
            return List.of(javaBin, "-jar", classpath);
        }
        return List.of(javaBin, "-cp", classpath, Walstream.class.getName());
    }

    /** What every bench subcommand takes: the server version, where directories go, an optional chart. */
    static final class Common {

        @Option(names = "--pg-version", paramLabel = "MAJOR", defaultValue = "15",
                description = "Server version; pg_receivewal and pgbench are used when that version's are installed"
                        + " (default ${DEFAULT-VALUE}).")
        int pgVersion;

        @Option(names = "--dir", paramLabel = "DIR", description = "Where the receivers' directories go (default: the temp dir).")
        Path dir;

        @Option(names = "--svg", paramLabel = "FILE", description = "Also draw the summary as an SVG bar chart.")
        Path svg;

        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec spec;

        /** Options built from the command line; what they refuse is a usage error, as picocli's own. */
        <T> T options(java.util.function.Supplier<T> make) {
            try {
                return make.get();
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        Path workDir() throws java.io.IOException {
            Path work = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(work);
            return work;
        }
    }
}
