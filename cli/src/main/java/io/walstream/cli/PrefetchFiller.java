package io.walstream.cli;

import io.walstream.archiver.store.PrefetchDirectory;
import io.walstream.archiver.store.WalRestore;
import io.walstream.protocol.WalSegmentSize;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * restore's side of {@link PrefetchDirectory}: taking a prefetched segment before any command-line parsing, and
 * starting the background filler ({@code restore … --fill-prefetch}) when few segments are left ahead.
 */
final class PrefetchFiller {

    static final int DEFAULT_COUNT = 8;
    static final String FILL_OPTION = "--fill-prefetch";
    /** How long a filler waits for the next segment to be asked for before it exits. */
    static final Duration IDLE = Duration.ofSeconds(30);

    private PrefetchFiller() {
    }

    /**
     * restore_command's fast path for {@code restore WALFILE TARGET -D s3://… [options]}: when the segment is in the
     * prefetch directory, it is renamed to TARGET (and a filler started if few are left) without building the
     * command tree or opening the store; returns whether it was. Any other form returns false, for picocli. The
     * repository's launcher applies the same rule in bash first, without a JVM ({@code take_prefetched}).
     */
    static boolean takePrefetched(String[] args) {
        List<String> words = List.of(args);
        if (args.length < 5 || !args[0].equals("restore") || !WalRestore.isSegmentName(args[1])
                || args[2].startsWith("-") || !remote(args) || words.contains(FILL_OPTION)) {
            return false;
        }
        int count = count(args);
        if (count <= 0) {
            return false;
        }
        try {
            Path target = Path.of(args[2]);
            PrefetchDirectory ahead = PrefetchDirectory.beside(target);
            if (!ahead.take(args[1], target)) {
                return false;
            }
            startIfLow(ahead, args[1], target, count, words);
            if (words.contains("-v") || words.contains("--verbose")) {
                System.err.println("walstream restore: " + args[1] + " restored to " + target + " (prefetched)");
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false; // picocli's path tries again, and says what failed
        }
    }

    /** Whether {@code -D}/{@code --directory} names object storage. */
    private static boolean remote(String[] args) {
        for (int i = 3; i < args.length; i++) {
            String a = args[i];
            if ((a.equals("-D") || a.equals("--directory")) && i + 1 < args.length) {
                return args[i + 1].startsWith("s3://");
            }
            if (a.startsWith("--directory=")) {
                return a.startsWith("--directory=s3://");
            }
        }
        return false;
    }

    /** {@code --prefetch N} from the arguments, else the default; -1 when it is not a number (picocli says so). */
    private static int count(String[] args) {
        for (int i = 3; i < args.length; i++) {
            String value = args[i].equals("--prefetch") && i + 1 < args.length ? args[i + 1]
                    : args[i].startsWith("--prefetch=") ? args[i].substring("--prefetch=".length()) : null;
            if (value != null) {
                try {
                    return Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return DEFAULT_COUNT;
    }

    /**
     * Starts the filler when at most half of the {@code count} segments after {@code walFile} are prefetched and no
     * filler runs: {@code walstream} with {@code restoreArgs} (this restore's command line) and {@value #FILL_OPTION},
     * in the background, with this JVM's java and class path and this process's working directory and environment
     * (a relative TARGET, the store's credentials). PostgreSQL waits for this process only. The filler's output goes
     * to {@code .filler.log} in the prefetch directory; when it fails, each call fetches its segment itself.
     */
    static void startIfLow(PrefetchDirectory ahead, String walFile, Path target, int count, List<String> restoreArgs)
            throws IOException {
        if (ahead.ahead(walFile, count, WalSegmentSize.ofBytes((int) Files.size(target))) > count / 2
                || ahead.filling()) {
            return;
        }
        Files.createDirectories(ahead.path());
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String classPath = Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(p -> Path.of(p).toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-cp", classPath,
                Walstream.class.getName()));
        command.addAll(restoreArgs);
        command.add(FILL_OPTION);
        new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(ahead.path().resolve(".filler.log").toFile()).start();
    }
}
