package io.walstream.cli;

import io.walstream.serve.WalServer;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code walstream serve -D DIR --listen HOST:PORT}: the archive over HTTP, for restore_command = curl. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Serve the archive over HTTP to standbys and recoveries (restore_command = curl).",
            "",
            "GET /wal/NAME: the plain bytes of a segment, .history or .backup file",
            "(compressed ones decompressed, the next segments prepared ahead);",
            "404 when the archive does not have it; 400 for anything that is not",
            "such a name; 500 naming a damaged file. GET /wal/NAME.partial: the",
            "segment being received, up to its last whole record. GET /: JSON status.",
            "",
            "On the standby:",
            "  restore_command = 'curl -fsS -o %%p http://127.0.0.1:7480/wal/%%f'",
            "Runs until stopped (SIGTERM, Ctrl-C: exit 0)."
        },
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:stopped", "1:failure (e.g. the address is in use)", "2:usage error"})
final class ServeCommand implements Callable<Integer> {

    /** Servers running in this JVM, so that an embedding test can stop them as SIGTERM would. */
    private static final java.util.Set<WalServer> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "The archive directory, or s3://BUCKET/PREFIX (object storage).")
    String directory;

    @Mixin
    S3Options s3;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:7480",
            description = "Where to listen. Default: ${DEFAULT-VALUE} (this host only; give an address, with TLS and "
                    + "a token, for standbys elsewhere).")
    String listen;

    @Mixin
    ServeServerOptions server;

    @Option(names = {"-v", "--verbose"}, description = "Log every request; stack traces on failure.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        ArchiveLocation location = ArchiveLocation.parse(directory, spec);
        if (!location.exists()) {
            err.println("walstream serve: archive directory " + directory + " does not exist");
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        io.walstream.serve.ServeOptions options;
        try {
            options = server.toOptions(ServeServerOptions.address(listen));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Logging.configure(verbose);
        Walstream.verbose |= verbose;
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicReference<WalServer> started = new AtomicReference<>();
        AtomicBoolean stopAsked = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            stopAsked.set(true);
            WalServer s = started.get();
            if (s != null) {
                s.close();
            }
            try {
                if (stopped.await(10, TimeUnit.SECONDS)) {
                    // stopped as asked: exit 0 as for a clean stop, not the 143 a JVM ended by SIGTERM reports
                    System.err.flush();
                    Runtime.getRuntime().halt(0);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "walstream-serve-stop");
        // Registered before the server listens: a SIGTERM sent as soon as it answers must find the hook, not
        // "Shutdown in progress" from a late addShutdownHook.
        Runtime.getRuntime().addShutdownHook(hook);
        WalServer running = null;
        try {
            running = WalServer.start(location.open(s3.settings()), options);
            started.set(running);
            if (stopAsked.get()) {
                running.close(); // the signal came while it was starting
            }
            RUNNING.add(running);
            err.printf("walstream serve: %s on %s%s%n", directory, running.address(),
                    options.tls() != null ? " (TLS)" : "");
            err.flush();
            running.closeFuture().syncUninterruptibly();
            running.close();
            err.println("walstream serve: stopped");
            err.flush();
        } finally {
            if (running != null) {
                RUNNING.remove(running);
            }
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running: it is waiting for us
            }
        }
        return 0;
    }

    /** Stops every serve running in this JVM, as SIGTERM does. */
    static void stopAll() {
        RUNNING.forEach(WalServer::close);
    }
}
