package io.walstream.cli;

import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalRestore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code walstream restore}'s work, and its start-up path: PostgreSQL starts one process per WAL file, so
 * {@link Walstream#main} hands the plain form of the command line ({@code restore WALFILE TARGETPATH -D DIR
 * [--partial] [-v]}) to {@link #main} without building picocli's command tree, which loads every command and with
 * it logback (three quarters of the start-up; benchmarks/README.md, "restore"). Anything else ({@code --help}, an
 * unknown option, a missing argument) goes through picocli, so that messages and exit codes stay picocli's.
 * Keep this class free of picocli and logging: loading it must not load them.
 */
final class OneShotRestore {

    static final int RESTORED = 0;
    /** Not in the archive (silent), or a damaged archived file (one line). */
    static final int NOT_RESTORED = 1;
    static final int USAGE = 2;

    /** A restore command line in its plain form. */
    record Request(String walFile, Path target, Path directory, boolean partial, boolean verbose) {
    }

    private OneShotRestore() {
    }

    /**
     * The request when {@code args} is {@code restore} in the plain form picocli would parse the same way,
     * else null: the caller then lets picocli parse it. Only separate words are taken ({@code -D DIR},
     * {@code --directory DIR}, {@code --directory=DIR}); a word starting with '-' that is none of restore's
     * options, a repeated option or a missing one all go to picocli.
     */
    static Request parse(String[] args) {
        if (args.length < 1 || !args[0].equals("restore")) {
            return null;
        }
        String walFile = null;
        String target = null;
        String directory = null;
        boolean partial = false;
        boolean verbose = false;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-D") || arg.equals("--directory")) {
                if (directory != null || i + 1 == args.length || args[i + 1].startsWith("-")) {
                    return null;
                }
                directory = args[++i];
            } else if (arg.startsWith("--directory=")) {
                if (directory != null) {
                    return null;
                }
                directory = arg.substring("--directory=".length());
            } else if (arg.equals("--partial")) {
                if (partial) {
                    return null;
                }
                partial = true;
            } else if (arg.equals("-v") || arg.equals("--verbose")) {
                if (verbose) {
                    return null;
                }
                verbose = true;
            } else if (arg.isEmpty() || arg.startsWith("-") || arg.startsWith("@")) {
                return null; // an option restore does not have, or picocli's @argument-file
            } else if (walFile == null) {
                walFile = arg;
            } else if (target == null) {
                target = arg;
            } else {
                return null;
            }
        }
        if (walFile == null || target == null || directory == null || directory.isEmpty()
                || directory.startsWith("s3://")) {
            return null; // object storage: picocli's path, which knows the S3 options
        }
        try {
            return new Request(walFile, Path.of(target), Path.of(directory), partial, verbose);
        } catch (java.nio.file.InvalidPathException e) {
            return null; // picocli says why
        }
    }

    /** Runs a parsed request as the process: exits with {@link #execute}'s code. */
    static void main(Request request) {
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(request, err);
        err.flush();
        System.exit(code);
    }

    /** {@link #run}, with a failure reported in one line on {@code err} and exit code 1, as picocli's path does. */
    static int execute(Request request, PrintWriter err) {
        try {
            return run(request, err);
        } catch (Exception e) {
            err.println(failureLine("restore", e));
            err.flush();
            return NOT_RESTORED;
        }
    }

    /**
     * Exit 0 when restored, 1 when the archive does not have it (PostgreSQL asks for files that do not exist yet:
     * silent), 2 for a name that is not a WAL file name or a missing archive directory (one line on {@code err}).
     * A damaged archived file is an exception (one line from the caller, exit 1).
     */
    static int run(Request request, PrintWriter err) throws Exception {
        if (!WalRestore.isRestorableName(request.walFile())) {
            // never a path: PostgreSQL passes %f, a bare file name; anything else is misuse (or an attack)
            err.println("walstream restore: \"" + request.walFile()
                    + "\" is not a WAL segment, .history or .backup file name");
            err.flush();
            return USAGE;
        }
        if (!Files.isDirectory(request.directory())) {
            err.println("walstream restore: archive directory " + request.directory() + " does not exist");
            err.flush();
            return USAGE;
        }
        boolean restored = WalRestore.restore(ArchiveDirectory.open(request.directory()), request.walFile(),
                request.target(), request.partial());
        if (request.verbose()) {
            err.printf("walstream restore: %s %s%n", request.walFile(),
                    restored ? "restored to " + request.target() : "not in the archive");
            err.flush();
        }
        return restored ? RESTORED : NOT_RESTORED;
    }

    /**
     * The one line every command prints for a failure: the cause (server message and SQLSTATE, file and LSN),
     * with the exception's class for I/O errors.
     */
    static String failureLine(String command, Exception e) {
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (e instanceof java.io.IOException || e instanceof java.io.UncheckedIOException) {
            message = e.getClass().getSimpleName() + ": " + message;
        }
        return "walstream " + command + ": error: " + message.replace('\n', ' ');
    }
}
