package io.walstream.cli;

import io.walstream.archiver.store.PrefetchDirectory;
import io.walstream.archiver.store.WalRestore;
import io.walstream.archiver.store.WalStore;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code restore_command = 'walstream restore %f %p -D /archive'} (or {@code -D s3://BUCKET/PREFIX}). */
@Command(name = "restore", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Copy one WAL file from the archive to where PostgreSQL asks for it (restore_command).",
            "In postgresql.conf: restore_command = 'walstream restore %%f %%p -D /archive'. Compressed segments"
                + " (.gz, .lz4, .zst) are decompressed.",
            "Exit 0 when restored; 1 when the archive does not have the file (PostgreSQL asks for files that do"
                + " not exist yet: not an error, nothing printed), or, with one line on stderr, when the archived"
                + " file is damaged (wrong size, corrupt compression); 2 for a name that is not a WAL file name or"
                + " a missing archive directory."
        })
final class RestoreCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "WALFILE", description = "File name PostgreSQL asks for (%%f).")
    String walFile;

    @Parameters(index = "1", paramLabel = "TARGETPATH", description = "Where to put it (%%p).")
    Path target;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "Archive directory, or s3://BUCKET/PREFIX (object storage).")
    String directory;

    @CommandLine.Mixin
    S3Options s3;

    @Option(names = "--partial", description = "Also serve the segment still being received (.partial), so a standby "
            + "fed only from the archive replays WAL before its segment completes.")
    boolean partial;

    @Option(names = "--prefetch", paramLabel = "N", defaultValue = "" + PrefetchFiller.DEFAULT_COUNT,
            description = "From s3://: fetch the next N"
            + " segments in the background into pg_wal/" + PrefetchDirectory.NAME + ", from where the next calls take"
            + " them with a rename (default: ${DEFAULT-VALUE}; 0: off). A directory archive is read in place.")
    int prefetch;

    /** The background filler PrefetchFiller starts: fetches the --prefetch segments after WALFILE, restores none. */
    @Option(names = PrefetchFiller.FILL_OPTION, hidden = true,
            description = "Internal: the background filler of --prefetch.")
    boolean fillPrefetch;

    @Option(names = {"-v", "--verbose"}, description = "Say what was restored or not found.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (!WalRestore.isRestorableName(walFile)) {
            // never a path: PostgreSQL passes %f, a bare file name; anything else is misuse (or an attack)
            err.println("walstream restore: \"" + walFile + "\" is not a WAL segment, .history or .backup file name");
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        if (!directory.startsWith("s3://")) {
            return OneShotRestore.run(new OneShotRestore.Request(walFile, target, Path.of(directory), partial, verbose),
                    err);
        }
        if (prefetch < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--prefetch: " + prefetch + " (expected >= 0)");
        }
        PrefetchDirectory ahead = PrefetchDirectory.beside(target);
        // taken from the prefetch directory, the store is not even opened
        boolean restored = prefetch > 0 && !fillPrefetch && ahead.take(walFile, target);
        boolean prefetched = restored;
        if (!restored) {
            ArchiveLocation location = ArchiveLocation.parse(directory, spec);
            if (!location.exists()) {
                err.println("walstream restore: archive directory " + directory + " does not exist");
                err.flush();
                return CommandLine.ExitCode.USAGE;
            }
            try (WalStore store = location.open(s3.settings())) {
                if (fillPrefetch) {
                    ahead.fill(store, walFile, prefetch, PrefetchFiller.IDLE);
                    return 0;
                }
                restored = WalRestore.restore(store, walFile, target, partial);
                if (restored && prefetch > 0) {
                    ahead.asked(walFile); // a running filler moves on from it
                }
            }
        }
        if (restored && prefetch > 0 && WalRestore.isSegmentName(walFile)) {
            // the filler is this command line again, so it has every option as the user gave it
            PrefetchFiller.startIfLow(ahead, walFile, target, prefetch,
                    spec.commandLine().getParseResult().originalArgs());
        }
        if (verbose) {
            err.printf("walstream restore: %s %s%n", walFile, !restored ? "not in the archive"
                    : "restored to " + target + (prefetched ? " (prefetched)" : ""));
            err.flush();
        }
        return restored ? 0 : 1;
    }
}
