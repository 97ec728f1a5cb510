package io.walstream.cli;

import io.walstream.archiver.verify.ArchiveVerifier;
import io.walstream.archiver.verify.VerifyReport;
import io.walstream.protocol.PgWalException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import io.walstream.archiver.store.WalStore;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code walstream verify -D DIR|s3://BUCKET/PREFIX [--json] [-v]}: checks an archive (identity, histories, gaps, segment sizes,
 * page headers, record CRCs). The summary and one line per finding go to stderr; {@code --json} prints the whole
 * report on stdout. Exit 0 when there is no error (warnings allowed), 1 on any error, 2 on a usage error.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Check an archive for gaps, bad headers and record CRCs, and its timeline histories.",
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:no errors (warnings allowed)", "1:the archive has a defect, or could not be read",
            "2:usage error (e.g. no such directory)"})
final class VerifyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-D", "--directory"}, required = true, paramLabel = "DIR",
            description = "The archive directory, or s3://BUCKET/PREFIX (object storage).")
    String directory;

    @CommandLine.Mixin
    S3Options s3;

    @Option(names = "--json", description = "Print the report as JSON on stdout.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "Log each file as it is read; stack traces on failure.")
    boolean verbose;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        ArchiveLocation location = ArchiveLocation.parse(directory, spec);
        if (!location.exists()) {
            err.println("walstream verify: archive directory " + directory + " does not exist");
            err.flush();
            return CommandLine.ExitCode.USAGE;
        }
        Logging.configure(verbose);
        VerifyReport report;
        try (WalStore store = location.open(s3.settings())) {
            report = ArchiveVerifier.verify(store, ArchiveVerifier.Options.DEFAULTS);
        } catch (PgWalException | UncheckedIOException | IOException e) {
            err.println("walstream verify: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            err.flush();
            return CommandLine.ExitCode.SOFTWARE;
        }
        printHuman(report, err);
        err.flush();
        if (json) {
            PrintWriter out = spec.commandLine().getOut();
            out.println(Json.write(toJson(report)));
            out.flush();
        }
        return report.clean() ? CommandLine.ExitCode.OK : CommandLine.ExitCode.SOFTWARE;
    }

    private static void printHuman(VerifyReport r, PrintWriter err) {
        err.printf("walstream verify: %s: %d segments (%d complete, %d partial, %d compressed), %d records verified,"
            + " %d MiB read%n", r.location(), r.segments(), r.completeSegments(), r.partialSegments(),
            r.compressedSegments(), r.recordsVerified(), r.bytesRead() >> 20);
        for (VerifyReport.TimelineSummary t : r.timelines()) {
            err.printf("timeline %s: %s%s%s%s%n", Integer.toUnsignedString(t.timeline()),
                t.segments() == 0 ? "no segments" : t.firstSegment() + " .. " + t.lastSegment() + " (" + t.segments()
                    + (t.segments() == 1 ? " segment)" : " segments)"),
                t.begin() == null ? "" : ", from " + t.begin(), t.end() == null ? "" : ", until " + t.end(),
                t.verifiedEnd() == null ? "" : ", verified to " + t.verifiedEnd());
        }
        for (VerifyReport.Finding f : r.findings()) {
            err.println(f);
        }
        err.printf("walstream verify: %s (%d errors, %d warnings)%n", r.clean() ? "ok" : "DEFECTS FOUND",
            r.errorCount(), r.warningCount());
    }

    static Map<String, Object> toJson(VerifyReport r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("directory", r.location());
        m.put("clean", r.clean());
        m.put("errors", r.errorCount());
        m.put("warnings", r.warningCount());
        if (r.identity() == null) {
            m.put("identity", null);
        } else {
            Map<String, Object> id = new LinkedHashMap<>();
            // A string: system identifiers exceed the integers JSON readers keep exactly.
            id.put("systemIdentifier", r.identity().systemIdString());
            id.put("segmentSize", r.identity().segmentSize().bytes());
            id.put("fromIdentityFile", r.identityFile());
            m.put("identity", id);
        }
        m.put("serverMajor", r.serverMajor() == 0 ? null : r.serverMajor());
        Map<String, Object> segments = new LinkedHashMap<>();
        segments.put("total", r.segments());
        segments.put("complete", r.completeSegments());
        segments.put("partial", r.partialSegments());
        segments.put("compressed", r.compressedSegments());
        m.put("segments", segments);
        m.put("recordsVerified", r.recordsVerified());
        m.put("bytesRead", r.bytesRead());
        List<Object> timelines = new ArrayList<>();
        for (VerifyReport.TimelineSummary t : r.timelines()) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("timeline", Integer.toUnsignedLong(t.timeline()));
            tm.put("begin", t.begin());
            tm.put("end", t.end());
            tm.put("firstSegment", t.firstSegment());
            tm.put("lastSegment", t.lastSegment());
            tm.put("segments", t.segments());
            tm.put("history", t.history());
            tm.put("verifiedEnd", t.verifiedEnd());
            timelines.add(tm);
        }
        m.put("timelines", timelines);
        List<Object> findings = new ArrayList<>();
        for (VerifyReport.Finding f : r.findings()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("severity", f.severity().name());
            fm.put("kind", f.kind().name());
            fm.put("file", f.file());
            fm.put("lsn", f.lsn());
            fm.put("message", f.message());
            findings.add(fm);
        }
        m.put("findings", findings);
        return m;
    }
}
