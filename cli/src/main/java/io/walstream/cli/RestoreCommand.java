package io.walstream.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code restore_command = 'walstream restore %f %p -D /archive'}. */
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

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR", description = "Archive directory.")
    Path directory;

    @Option(names = "--partial", description = "Also serve the segment still being received (.partial), so a standby "
            + "fed only from the archive replays WAL before its segment completes.")
    boolean partial;

    @Option(names = {"-v", "--verbose"}, description = "Say what was restored or not found.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        return OneShotRestore.run(new OneShotRestore.Request(walFile, target, directory, partial, verbose),
                spec.commandLine().getErr());
    }
}
