package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgBinaries;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code walstream bench catchup} runs every receiver and ceiling to the end on a small backlog and
 * prints the per-run lines and the summary table, pg_receivewal 15's among them (these tests need it:
 * {@link PgBinaries#clientTool}). It asserts what ran, never how fast (the machine is shared: numbers
 * are for benchmarks/README.md, not for tests).
 */
class BenchCommandIT {

    @Test
    @Tag("pg-client-tools")
    void catchupRunsEveryReceiverAndPrintsTheSummary(@TempDir Path dir) throws Exception {
        PgBinaries.clientTool(15, "pg_receivewal"); // the baseline of the ratios
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        Path svg = Files.createTempFile("catchup", ".svg");
        int code = cl.execute("bench", "catchup", "--mb", "40", "--rounds", "2", "--dir", dir.toString(),
                "--svg", svg.toString());

        String text = out.toString();
        assertThat(code).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text).contains("MB of WAL from").contains("round 0").contains("round 1")
                .containsPattern("(?m)^walstream none +[0-9.]+ +[0-9.]+ +[0-9.]+")
                .containsPattern("(?m)^walstream lz4 +[0-9.]+")
                .containsPattern("(?m)^walstream process +[0-9.]+ +[0-9.]+ +[0-9.]+")
                .containsPattern("round 1  walstream process .*first WAL file after [0-9.]+ s")
                .containsPattern("round 1  pg_receivewal none .*first WAL file after [0-9.]+ s")
                .containsPattern("(?m)^pgjdbc source +[0-9.]+ +[0-9.]+ +[0-9.]+")
                .containsPattern("(?m)^null sink +[0-9.]+")
                .containsPattern("(?m)^disk ceiling +[0-9.]+ +[0-9.]+ +[0-9.]+ +\\S+ +1\\.00 +- +-$")
                .containsPattern("(?m)^walstream none +([0-9.]+ +){5}[0-9]+ +[0-9]+$");
        assertThat(Files.readString(svg)).startsWith("<svg").contains(">walstream none<").contains(">disk ceiling<");
        Files.delete(svg);
        assertThat(text).containsPattern("(?m)^pg_receivewal none +[0-9.]+ +[0-9.]+ +[0-9.]+ +1\\.00 ")
                .containsPattern("(?m)^pg_receivewal lz4 +[0-9.]+")
                .contains("pg_receivewal: starting log streaming at")
                .contains("per round, to pg_receivewal none (the median, then each round's):")
                .containsPattern("(?m)^walstream process +[0-9.]+ +\\([0-9.]+\\)$");
        try (var left = Files.list(dir)) {
            assertThat(left).as("each run's directory is removed").isEmpty();
        }
    }

    @Test
    @Tag("pg-client-tools")
    void syncRunsEveryCandidateAsTheSynchronousStandby(@TempDir Path dir) throws Exception {
        PgBinaries.clientTool(15, "pg_receivewal"); // the baseline of the ratios
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        int code = cl.execute("bench", "sync", "--rounds", "2", "--seconds", "2", "--clients", "2",
                "--dir", dir.toString());

        String text = out.toString();
        assertThat(code).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text).contains("synchronous_commit=on").contains("round 0").contains("round 1")
                .containsPattern("(?m)^none +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ ")
                .containsPattern("(?m)^postgres standby +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +1\\.00 ")
                .containsPattern("(?m)^walstream +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ ");
        assertThat(text).doesNotContainPattern("(?m)^walstream +0\\.0 ");
        assertThat(text).containsPattern("(?m)^pg_receivewal +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +\\S+ +1\\.00$")
                .contains("per round, to pg_receivewal (the median, then each round's):")
                .containsPattern("(?m)^walstream +[0-9.]+ +\\([0-9.]+\\)$");
        try (var left = Files.list(dir)) {
            assertThat(left).as("each run's directory is removed").isEmpty();
        }
    }

    @Test
    @Tag("pg-client-tools")
    void lagSamplesEveryReceiverUnderASteadyLoad(@TempDir Path dir) throws Exception {
        PgBinaries.clientTool(15, "pg_receivewal"); // the baseline of the ratios
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        int code = cl.execute("bench", "lag", "--rounds", "2", "--seconds", "3", "--rate", "50",
                "--dir", dir.toString());

        String text = out.toString();
        assertThat(code).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text).contains("at 50 TPS").contains("round 1")
                .containsPattern("(?m)^postgres standby +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +- ")
                .containsPattern("(?m)^walstream +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ ")
                .containsPattern("(?m)^walstream --synchronous +[0-9.]+ ");
        assertThat(text).containsPattern("(?m)^pg_receivewal --synchronous +[0-9.]+ .* 1\\.00$");
        try (var left = Files.list(dir)) {
            assertThat(left).as("each run's directory is removed").isEmpty();
        }
    }

    @Test
    void restoreTimesEveryCommandOnEverySegment(@TempDir Path dir) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));

        int code = cl.execute("bench", "restore", "--segments", "2", "--rounds", "2", "--dir", dir.toString());

        String text = out.toString();
        assertThat(code).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text).contains("2 segments of WAL archived plain and zstd").contains("round 1")
                .containsPattern("(?m)^cp \\(plain\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +1\\.00$")
                .containsPattern("(?m)^curl file:// \\(plain\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+$")
                .containsPattern("(?m)^walstream restore \\(plain\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+$")
                .containsPattern("(?m)^walstream restore \\(zstd\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+$")
                .containsPattern("(?m)^serve \\+ curl \\(plain\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+$")
                .containsPattern("(?m)^serve \\+ curl \\(zstd\\) +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ +[0-9.]+$");
        try (var left = Files.list(dir)) {
            assertThat(left).as("the archives are removed").isEmpty();
        }
    }

    @Test
    void oneRoundIsAUsageError() {
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("bench", "catchup", "--rounds", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("at least 1 MB and 2 rounds");
    }
}
