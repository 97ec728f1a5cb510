package io.walstream.cli;

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
            "restore_command for a standby or a recovery: copy WALFILE (%f) from the archive to TARGETPATH (%p),",
            "decompressing .gz, .lz4 and .zst. Exit 0 when restored, 1 when the archive does not have it",
            "(PostgreSQL asks for files that do not exist yet; that is not an error and prints nothing);",
            "2 for a name that is not a WAL file name or a missing archive directory; 1 with one line on stderr",
            "when the archived file is damaged (wrong size, corrupt compression)."
        })
final class RestoreCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "WALFILE", description = "File name PostgreSQL asks for (%f).")
    String walFile;

    @Parameters(index = "1", paramLabel = "TARGETPATH", description = "Where to put it (%p).")
    Path target;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "Archive directory, or s3://BUCKET/PREFIX (object storage).")
    String directory;

    @CommandLine.Mixin
    S3Options s3;

    @Option(names = "--partial", description = "Also serve the segment still being received (.partial), so a standby "
            + "fed only from the archive replays WAL before its segment completes.")
    boolean partial;

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
        ArchiveLocation location = ArchiveLocation.parse(directory, spec);
        if (!location.exists()) {
            err.println("walstream restore: archive directory " + directory + " does not exist");
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        boolean restored;
        try (WalStore store = location.open(s3.settings())) {
            restored = WalRestore.restore(store, walFile, target, partial);
        }
        if (verbose) {
            err.printf("walstream restore: %s %s%n", walFile, restored ? "restored to " + target : "not in the archive");
            err.flush();
        }
        return restored ? 0 : 1;
    }
}
