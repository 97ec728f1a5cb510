package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.WalFileName;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code walstream prune} in-process: what it prints, that --dry-run removes nothing, exit codes, usage errors. */
final class PruneCommandTest {

    @TempDir
    Path dir;

    private StringWriter out = new StringWriter();
    private StringWriter err = new StringWriter();

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    private static String name(long segno) {
        return WalFileName.of(1, segno, SyntheticArchive.SIZE).toString();
    }

    private List<String> files() throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void dryRunPrintsWhatARealRunRemovesAndRemovesNothing() throws Exception {
        SyntheticArchive.write(dir, 1, 6, true);
        Files.createDirectories(dir.resolve("receipts"));
        Files.write(dir.resolve("receipts").resolve(name(2)), new byte[64]);
        List<String> before = files();

        assertThat(run("prune", "-D", dir.toString(), "--before", name(4), "--dry-run")).isZero();
        assertThat(files()).isEqualTo(before);
        assertThat(dir.resolve("receipts").resolve(name(2))).exists();
        assertThat(out.toString().lines()).containsExactly(
                "would remove " + name(1) + " (1.0 MiB)",
                "would remove " + name(2) + " (1.0 MiB)",
                "would remove receipts/" + name(2) + " (64 bytes)",
                "would remove " + name(3) + " (1.0 MiB)",
                "walstream prune: would remove 4 files, 3.0 MiB (3 segments, 0 backup history files, 1 receipt log);"
                        + " WAL kept from " + name(4) + "; kept 0 timeline history files (always kept) and 1 .partial"
                        + " (never removed)");
        assertThat(err.toString()).isEmpty();
        String dryRun = out.toString();

        assertThat(run("prune", "-D", dir.toString(), "--before", name(4))).isZero();
        assertThat(out.toString()).isEqualTo(dryRun.replace("would remove", "removed"));
        assertThat(files()).containsExactly(name(4), name(5), name(6) + ".partial", "receipts", "walstream.identity");
        assertThat(dir.resolve("receipts").resolve(name(2))).doesNotExist();

        // What is left is a whole archive.
        assertThat(run("verify", "-D", dir.toString())).isZero();
        assertThat(err.toString()).contains("ok (0 errors, 0 warnings)");
    }

    @Test
    void jsonListsTheFilesAndTheSummary() throws Exception {
        SyntheticArchive.write(dir, 1, 3, true);
        assertThat(run("prune", "-D", dir.toString(), "--before", name(9), "--json", "--dry-run")).isZero();
        assertThat(out.toString()).contains("\"dryRun\": true").contains("\"count\": 2");
        assertThat(files()).hasSize(4);
        // --before takes the segment part of a .partial or compressed name
        assertThat(run("prune", "-D", dir.toString(), "--before", name(9) + ".gz.partial", "--json")).isZero();
        assertThat(out.toString().strip()).startsWith("{").endsWith("}")
                .contains("\"directory\": \"" + dir.toAbsolutePath() + "\"")
                .contains("\"dryRun\": false")
                .contains("\"before\": \"" + name(9) + "\"")
                .contains("\"olderThan\": null")
                .contains("\"name\": \"" + name(1) + "\"")
                .contains("\"name\": \"" + name(2) + "\"")
                .doesNotContain("\"name\": \"" + name(3))
                .contains("\"kind\": \"segment\"")
                .contains("\"bytes\": " + SyntheticArchive.SIZE.bytes() + ",")
                .contains("\"count\": 2")
                .contains("\"bytes\": " + 2L * SyntheticArchive.SIZE.bytes())
                .contains("\"firstKeptSegment\": null") // only the .partial stays
                .contains("\"partialsKept\": 1")
                .contains("\"error\": null");
        assertThat(files()).containsExactly(name(3) + ".partial", "walstream.identity");

        assertThat(run("prune", "-D", dir.toString(), "--before", name(9))).isZero();
        assertThat(out.toString().lines()).containsExactly("walstream prune: removed 0 files, 0 bytes (0 segments,"
                + " 0 backup history files, 0 receipt logs); only .partial segments kept; kept 0 timeline history"
                + " files (always kept) and 1 .partial (never removed)");
    }

    @Test
    void olderThanGoesByWhenSegmentsWereWritten() throws Exception {
        SyntheticArchive.write(dir, 1, 4, true);
        Instant now = Instant.now();
        Files.setLastModifiedTime(dir.resolve(name(1)), FileTime.from(now.minus(Duration.ofDays(9))));
        Files.setLastModifiedTime(dir.resolve(name(2)), FileTime.from(now.minus(Duration.ofDays(8))));
        assertThat(run("prune", "-D", dir.toString(), "--older-than", "7d")).isZero();
        assertThat(out.toString().lines()).first().isEqualTo("removed " + name(1) + " (1.0 MiB)");
        assertThat(files()).containsExactly(name(3), name(4) + ".partial", "walstream.identity");
        assertThat(run("prune", "-D", dir.toString(), "--older-than", "P1D", "--json")).isZero();
        assertThat(out.toString()).contains("\"files\": []").contains("\"count\": 0").contains("\"olderThan\": \"");
    }

    @Test
    void usageErrorsExitTwoWithOneLine() throws Exception {
        SyntheticArchive.write(dir, 1, 3, true);
        List<String> before = files();

        assertThat(run("prune", "-D", dir.toString(), "--before", "../" + name(2))).isEqualTo(2);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("walstream prune: \"../" + name(2) + "\" is not a WAL segment file name");
        assertThat(run("prune", "-D", dir.toString(), "--before", "00000001.history")).isEqualTo(2);

        assertThat(run("prune", "-D", dir.toString())).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required argument");
        assertThat(run("prune", "-D", dir.toString(), "--before", name(2), "--older-than", "1d")).isEqualTo(2);
        assertThat(err.toString()).contains("mutually exclusive");
        assertThat(run("prune", "-D", dir.toString(), "--older-than", "a week")).isEqualTo(2);
        assertThat(err.toString()).contains("'a week' is not a duration");

        assertThat(run("prune", "-D", dir.resolve("nope").toString(), "--before", name(2))).isEqualTo(2);
        assertThat(err.toString().lines()).containsExactly("walstream prune: archive directory "
                + dir.resolve("nope") + " does not exist");
        assertThat(out.toString()).isEmpty();
        assertThat(files()).isEqualTo(before);
    }

    @Test
    void anArchiveThatCannotBeReadExitsOneAndRemovesNothing() throws Exception {
        SyntheticArchive.write(dir, 1, 3, true);
        Files.writeString(dir.resolve("walstream.identity"), "nonsense\n");
        List<String> before = files();
        assertThat(run("prune", "-D", dir.toString(), "--before", name(3))).isEqualTo(1);
        assertThat(err.toString().lines()).singleElement().asString()
                .startsWith("walstream prune: error: could not read " + dir.toAbsolutePath())
                .contains("walstream.identity").contains("damaged");
        assertThat(files()).isEqualTo(before);
    }

    @Test
    void durationsReadAsOperatorsWriteThem() {
        PruneCommand.DurationConverter c = new PruneCommand.DurationConverter();
        assertThat(c.convert("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.convert("30m")).isEqualTo(Duration.ofMinutes(30));
        assertThat(c.convert("12h")).isEqualTo(Duration.ofHours(12));
        assertThat(c.convert("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(c.convert("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(c.convert("P7DT12H")).isEqualTo(Duration.ofHours(180));
        for (String bad : List.of("-1d", "PT-1H", "7", "d", "1y", "")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.convert(bad))
                    .isInstanceOf(CommandLine.TypeConversionException.class);
        }
    }
}
