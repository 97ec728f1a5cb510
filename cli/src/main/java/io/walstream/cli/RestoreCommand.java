package io.walstream.cli;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalRestore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code restore_command = 'walstream restore %f %p -D /archive'}. */
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
