package io.walstream.cli;

import io.walstream.archiver.ArchiveException;
import io.walstream.archiver.pipeline.ReceiptLog;
import io.walstream.archiver.prune.Cutoff;
import io.walstream.archiver.prune.Retention;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walstream prune -D DIR (--before WALFILE | --older-than DURATION) [--dry-run] [--json]}: retention. The rules
 * are {@link Retention}'s; this class only reads the options and prints.
 */
@Command(name = "prune", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Remove archived WAL before a point (retention), oldest first.",
            "Complete segments (any compression) before the cut-off go, with their backup history files and receipt"
                + " logs; never a .partial, the newest segment of the newest timeline, a timeline history file,"
                + " walstream.identity or walstream.lock. A receiver may be running meanwhile. Prints one line per"
                + " file and a summary; --dry-run prints the same and removes nothing."
        },
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:done (also when nothing was old enough)",
            "1:the archive could not be read or a file could not be removed (those before it are gone)",
            "2:usage error: WALFILE is not a WAL file name, both or neither of --before and --older-than,"
                + " or no such directory"})
final class PruneCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "The archive directory, or s3://BUCKET/PREFIX (object storage).")
    String directory;

    @CommandLine.Mixin
    S3Options s3;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Point point;

    static final class Point {
        @Option(names = "--before", paramLabel = "WALFILE", description = "Remove segments whose log/seg part is"
                + " lower than WALFILE's, on any timeline (as pg_archivecleanup). A compressed, .partial or .backup"
                + " name stands for its segment.")
        String before;

        @Option(names = "--older-than", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "Remove the oldest segments as far as they were last written more than DURATION ago:"
                        + " 90s, 30m, 12h, 7d, 2w, or ISO-8601 (P7DT12H).")
        Duration olderThan;
    }

    @Option(names = "--dry-run", description = "Print what would be removed; remove nothing.")
    boolean dryRun;

    @Option(names = "--json", description = "Print the files and the summary as JSON on stdout instead.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Stack traces on failure.")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Cutoff cutoff;
        try {
            cutoff = point.before != null ? Cutoff.before(point.before)
                    : new Cutoff.OlderThan(Instant.now().minus(point.olderThan));
        } catch (IllegalArgumentException | DateTimeException | ArithmeticException e) {
            return usage(err, e.getMessage());
        }
        ArchiveLocation location = ArchiveLocation.parse(directory, spec);
        if (!location.exists()) {
            return usage(err, "archive directory " + directory + " does not exist");
        }
        Logging.configure(verbose);
        WalStore store = location.open(s3.settings());
        Optional<WalStore> receipts = store instanceof ArchiveDirectory dir ? ReceiptLog.storeOf(dir.path())
                : Optional.empty();
        Retention retention = new Retention(store, receipts);

        Retention.Plan plan;
        try {
            plan = retention.plan(cutoff);
        } catch (IOException | UncheckedIOException | ArchiveException e) {
            return failure(err, "could not read " + store.location() + ": " + e.getMessage(), e);
        }
        List<Retention.Removal> removed = new ArrayList<>();
        String error = null;
        if (dryRun) {
            plan.removals().forEach(r -> printRemoved(out, r));
            removed.addAll(plan.removals());
        } else {
            try {
                retention.remove(plan, r -> {
                    removed.add(r);
                    printRemoved(out, r);
                });
            } catch (IOException | UncheckedIOException e) {
                error = "could not remove a file from " + store.location() + " (" + e.getMessage() + "); the "
                        + removed.size() + " files before it are removed, the rest are still there: run prune again";
                if (verbose) {
                    e.printStackTrace(err);
                }
            }
        }
        if (json) {
            out.println(Json.write(toJson(store.location(), cutoff, plan, removed, error)));
        } else {
            out.println(summary(plan, removed));
        }
        out.flush();
        if (error != null) {
            err.println("walstream prune: error: " + error);
            err.flush();
            return CommandLine.ExitCode.SOFTWARE;
        }
        return CommandLine.ExitCode.OK;
    }

    private void printRemoved(PrintWriter out, Retention.Removal r) {
        if (!json) {
            out.printf("%s %s (%s)%n", dryRun ? "would remove" : "removed", r.path(), bytes(r.bytes()));
            out.flush();
        }
    }

    private String summary(Retention.Plan plan, List<Retention.Removal> removed) {
        long segments = removed.stream().filter(r -> r.kind() == Retention.Kind.SEGMENT).count();
        long backups = removed.stream().filter(r -> r.kind() == Retention.Kind.BACKUP_HISTORY).count();
        long receipts = removed.stream().filter(r -> r.kind() == Retention.Kind.RECEIPT_LOG).count();
        StringBuilder sb = new StringBuilder("walstream prune: ").append(dryRun ? "would remove " : "removed ")
                .append(removed.size()).append(removed.size() == 1 ? " file, " : " files, ")
                .append(bytes(removed.stream().mapToLong(Retention.Removal::bytes).sum()))
                .append(" (").append(segments).append(segments == 1 ? " segment, " : " segments, ")
                .append(backups).append(backups == 1 ? " backup history file, " : " backup history files, ")
                .append(receipts).append(receipts == 1 ? " receipt log)" : " receipt logs)");
        sb.append(plan.firstKeptSegment().map(f -> "; WAL kept from " + f)
                        .orElse(plan.partialsKept() > 0 ? "; only .partial segments kept" : "; no segments in the archive"))
                .append("; kept ").append(plan.historyFilesKept()).append(" timeline history ")
                .append(plan.historyFilesKept() == 1 ? "file" : "files").append(" (always kept) and ")
                .append(plan.partialsKept()).append(" .partial (never removed)");
        return sb.toString();
    }

    private Map<String, Object> toJson(String location, Cutoff cutoff, Retention.Plan plan,
            List<Retention.Removal> removed, String error) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("directory", location);
        m.put("dryRun", dryRun);
        m.put("before", cutoff instanceof Cutoff.BeforeSegment b ? b.segment() : null);
        m.put("olderThan", cutoff instanceof Cutoff.OlderThan o ? o.time().toString() : null);
        List<Object> files = new ArrayList<>();
        for (Retention.Removal r : removed) {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("name", r.path());
            f.put("kind", r.kind().name().toLowerCase(Locale.ROOT));
            f.put("bytes", r.bytes());
            f.put("modified", r.modified().toString());
            files.add(f);
        }
        m.put("files", files); // removed, or with --dry-run to be removed
        m.put("count", removed.size());
        m.put("bytes", removed.stream().mapToLong(Retention.Removal::bytes).sum());
        m.put("firstKeptSegment", plan.firstKeptSegment().orElse(null));
        m.put("historyFilesKept", plan.historyFilesKept());
        m.put("partialsKept", plan.partialsKept());
        m.put("error", error);
        return m;
    }

    private static String bytes(long n) {
        return n < 1 << 20 ? n + " bytes" : String.format(Locale.ROOT, "%.1f MiB", n / 1048576.0);
    }

    private static int usage(PrintWriter err, String message) {
        err.println("walstream prune: " + message);
        err.flush();
        return CommandLine.ExitCode.USAGE;
    }

    private int failure(PrintWriter err, String message, Exception e) {
        err.println("walstream prune: error: " + message);
        if (verbose) {
            e.printStackTrace(err);
        }
        err.flush();
        return CommandLine.ExitCode.SOFTWARE;
    }

    /** {@code 90s}, {@code 30m}, {@code 12h}, {@code 7d}, {@code 2w}, or ISO-8601 ({@code P7DT12H}); never negative. */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {

        private static final Pattern SHORT = Pattern.compile("(\\d{1,9})([smhdw])");

        @Override
        public Duration convert(String value) {
            Duration d;
            Matcher m = SHORT.matcher(value);
            if (m.matches()) {
                long n = Long.parseLong(m.group(1));
                d = switch (m.group(2)) {
                    case "s" -> Duration.ofSeconds(n);
                    case "m" -> Duration.ofMinutes(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofDays(7 * n);
                };
            } else {
                try {
                    d = Duration.parse(value);
                } catch (DateTimeParseException e) {
                    throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (90s, 30m, 12h,"
                            + " 7d, 2w or ISO-8601 such as P7DT12H)");
                }
            }
            if (d.isNegative()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is negative");
            }
            return d;
        }
    }
}
