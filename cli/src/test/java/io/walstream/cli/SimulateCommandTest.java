package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.replaysim.ApplyCosts;
import io.walstream.replaysim.StandbySettings;
import io.walstream.replaysim.validate.ValidationRun;
import io.walstream.replaysim.validate.ValidationSweep;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code walstream simulate --synthetic}: a delay sweep, its table and its files; how {@code --archive} and
 * {@code --validate} reach replay-sim (which tests them on real servers: ArchiveSweepIT, ValidationSweepIT).
 */
class SimulateCommandTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void sweepsTheDelaysAndWritesJsonCsvAndAChart(@TempDir Path dir) throws Exception {
        String[] r = run("simulate", "--synthetic", "--seconds", "60", "--delay", "0,1s,-1", "--out", dir.toString());
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("synthetic: 60 s").containsPattern("(?m)^0 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ ")
                .containsPattern("(?m)^1s +").containsPattern("(?m)^-1 +0 +0 +0 +0 +0 +[0-9]+ ");
        assertThat(Files.readString(dir.resolve("results.json"))).contains("\"delay\": \"0\"").contains("\"delay\": \"-1\"")
                .contains("\"confl_snapshot\"").contains("\"lag_ms\"");
        assertThat(Files.readAllLines(dir.resolve("results.csv"))).hasSize(4).first().asString().startsWith("delay,");
        // each commit's LSN: a lag joins to the WAL (pg_waldump) and to the other delays' rows
        assertThat(Files.readAllLines(dir.resolve("lag.csv"))).first().isEqualTo("delay,lsn,at_s,lag_ms");
        assertThat(Files.readAllLines(dir.resolve("lag.csv")).get(1)).matches("0,[0-9A-F]+/[0-9A-F]+,[0-9.]+,[0-9.]+");
        assertThat(Files.readString(dir.resolve("cancellations.svg"))).startsWith("<svg").contains("delay 1s");
        assertThat(Files.readString(dir.resolve("lag.svg"))).startsWith("<svg").contains("delay 1s").contains("<polyline");
        // every conflict the startup process met at delay 0, with its wait and its victims
        assertThat(Files.readAllLines(dir.resolve("events.csv"))).first()
                .isEqualTo("delay,lsn,type,at_s,wait_ms,victims,victim_ids");
        // the victims by query id (the trace's line number, or the clients' numbering)
        assertThat(Files.readAllLines(dir.resolve("events.csv")))
                .anyMatch(l -> l.matches("0,[0-9A-F]+/[0-9A-F]+,confl_snapshot,[0-9.]+,[0-9.]+,[1-9][0-9]*,[0-9]+(;[0-9]+)*"));
    }

    @Test
    void queriesFromATraceReplaceThePoissonArrivals(@TempDir Path dir) throws Exception {
        Path trace = Files.writeString(dir.resolve("q.csv"), "1,5\n2,5\n3,0.1\n");
        String[] r = run("simulate", "--synthetic", "--seconds", "30", "--queries", trace.toString(), "--delay", "0,-1");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("3 standby queries").containsPattern("(?m)^-1 +0 +0 +0 +0 +0 +3 ");
        String[] bad = run("simulate", "--synthetic", "--queries", dir.resolve("missing.csv").toString());
        assertThat(bad[0]).isNotEqualTo("0");
        Path malformed = Files.writeString(dir.resolve("m.csv"), "1,5\nsoon,5\n");
        String[] usage = run("simulate", "--synthetic", "--queries", malformed.toString());
        assertThat(usage[0]).isEqualTo("2");
        assertThat(usage[2]).contains("--queries: " + malformed + ":2:");
    }

    @Test
    void anArchiveItCannotSimulateFromIsAUsageError(@TempDir Path dir) {
        String[] r = run("simulate", "--archive", dir.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains(dir + " is not a walstream archive");
    }

    @Test
    void validateRunsEachDelayWithEachFeedbackUnderTheLoadGiven() {
        SimulateCommand c = new SimulateCommand();
        new CommandLine(c).parseArgs("--validate", "--delay", "0,5s,-1", "--feedback", "off,on", "--seconds", "15",
                "--lock-every", "0", "--query-seconds", "2", "--pg-version", "15");
        ValidationSweep.Options o = c.validationOptions(c.delays());
        assertThat(o.scenarios()).containsExactly(new ValidationRun.Scenario("0", 0, false),
                new ValidationRun.Scenario("5s", 5_000_000, false), new ValidationRun.Scenario("-1", -1, false),
                new ValidationRun.Scenario("0", 0, true), new ValidationRun.Scenario("5s", 5_000_000, true),
                new ValidationRun.Scenario("-1", -1, true));
        assertThat(o.load()).isEqualTo(new ValidationRun.Load(15, 200, 5, 0, 1, 2, 0.2, 1,
                ValidationRun.Workload.HOT_UPDATES, 15));
        assertThat(o.pgVersion()).isEqualTo(15);
        assertThat(o.workDir()).isNull();
        assertThat(o.out()).isNull();
    }

    @Test
    void theSameSeedPrintsTheSameTable() {
        assertThat(run("simulate", "--synthetic", "--seconds", "30", "--seed", "3")[1])
                .isEqualTo(run("simulate", "--synthetic", "--seconds", "30", "--seed", "3")[1]);
    }

    @Test
    void aBadDelayOrFeedbackIsAUsageError() {
        assertThat(run("simulate", "--synthetic", "--delay", "soon")[0]).isEqualTo("2");
        assertThat(run("simulate", "--synthetic", "--feedback", "maybe")[0]).isEqualTo("2");
    }

    @Test
    void closedLoopClientsThatRetryAtOnceAreCancelledMoreThanOnesThatBackOff() {
        String[] atOnce = run("simulate", "--synthetic", "--seconds", "60", "--clients", "4", "--query-seconds", "3",
                "--query-rel", "16400", "--delay", "0");
        assertThat(atOnce[0]).as(atOnce[2]).isEqualTo("0");
        assertThat(atOnce[1]).contains("4 closed-loop clients (retry after 1 ms, think 0 ms)");
        String[] backoff = run("simulate", "--synthetic", "--seconds", "60", "--clients", "4", "--query-seconds", "3",
                "--query-rel", "16400", "--delay", "0", "--retry", "backoff", "--retry-delay", "500ms", "--retry-max", "4s");
        assertThat(backoff[1]).contains("retry after 500 ms doubling to 4000 ms");
        assertThat(snapshotCancellations(atOnce[1])).isGreaterThan(snapshotCancellations(backoff[1]));
        assertThat(run("simulate", "--synthetic", "--clients", "2", "--retry", "sometimes")[0]).isEqualTo("2");
        assertThat(run("simulate", "--synthetic", "--mix", "m.csv")[2]).contains("--mix is the query mix of --clients");
    }

    private static int snapshotCancellations(String table) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^0 +([0-9]+) ").matcher(table);
        assertThat(m.find()).as(table).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void aRelationTheWalNeverNamesIsWarnedAboutAndRelfilenodesNeedACatalog(@TempDir Path dir) throws Exception {
        String[] r = run("simulate", "--synthetic", "--seconds", "10", "--query-rel", "16405", "--delay", "0");
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[2]).contains("warning: relation oid 16405 of the queries never appears in the WAL");
        assertThat(r[1]).contains("relations by oid");
        String[] byNode = run("simulate", "--synthetic", "--query-rel", "16405", "--relations-by", "relfilenode");
        assertThat(byNode[0]).isEqualTo("2");
        assertThat(byNode[2]).contains("need a catalog");
        Path catalog = Files.writeString(dir.resolve("catalog.csv"), "t,16400,16405\n");
        // relfilenode 16405 is relation 16400, which the synthetic primary locks (DDL every second)
        String[] mapped = run("simulate", "--synthetic", "--seconds", "10", "--lock-rate", "1", "--query-rel", "16405",
                "--relations-by", "relfilenode", "--catalog", catalog.toString(), "--delay", "0");
        assertThat(mapped[0]).as(mapped[2]).isEqualTo("0");
        assertThat(mapped[2]).doesNotContain("warning");
        assertThat(run("simulate", "--synthetic", "--from", "0/1000000")[2]).contains("cut an --archive");
    }

    @Test
    void deadlockTimeoutCancelCostAndFeedbackStartAreSettings() {
        SimulateCommand c = new SimulateCommand();
        new CommandLine(c).parseArgs("--synthetic", "--deadlock-timeout", "250ms", "--cancel-cost-us", "12000",
                "--feedback", "on", "--feedback-since", "2.5");
        StandbySettings s = c.settings(1_000_000);
        assertThat(s.deadlockTimeoutMicros()).isEqualTo(250_000);
        assertThat(s.cancelCostMicros()).isEqualTo(12_000);
        assertThat(s.hotStandbyFeedback()).isTrue();
        assertThat(s.feedbackSinceMicros()).isEqualTo(3_500_000);
        SimulateCommand defaults = new SimulateCommand();
        new CommandLine(defaults).parseArgs("--synthetic");
        assertThat(defaults.settings(0)).isEqualTo(StandbySettings.defaults());
    }

    @Test
    void validateWithClientsRunsClosedLoopReadersUnderPgbench() {
        SimulateCommand c = new SimulateCommand();
        new CommandLine(c).parseArgs("--validate", "--delay", "0,5s", "--clients", "4", "--workload", "pgbench",
                "--write-rate", "150", "--vacuum-every", "0", "--truncate-every", "15");
        ValidationSweep.Options o = c.validationOptions(c.delays());
        assertThat(o.scenarios()).containsExactly(new ValidationRun.Scenario("0", 0, false, 4),
                new ValidationRun.Scenario("5s", 5_000_000, false, 4));
        assertThat(o.load().workload()).isEqualTo(ValidationRun.Workload.PGBENCH_TPCB);
        assertThat(o.load().updatesPerSecond()).isEqualTo(150);
        assertThat(o.load().vacuumEverySeconds()).isZero();
        assertThat(o.load().truncateEverySeconds()).isEqualTo(15);
        assertThat(o.model()).isEqualTo(StandbySettings.defaults());
        assertThat(o.feedbackSinceSeconds()).isNull();
        assertThat(o.calibrate()).isFalse();
    }

    @Test
    void validateSimulatesWithTheCostsFeedbackStartAndTimerGivenOrCalibrates() {
        SimulateCommand c = new SimulateCommand();
        new CommandLine(c).parseArgs("--validate", "--delay", "1s", "--feedback", "off,on", "--cancel-cost-us", "12000",
                "--apply-us", "Heap=7.5,Btree=9,other=3", "--feedback-since", "2.5", "--progress-interval", "0",
                "--deadlock-timeout", "250ms", "--calibrate");
        ValidationSweep.Options o = c.validationOptions(c.delays());
        assertThat(o.model().cancelCostMicros()).isEqualTo(12_000);
        assertThat(o.model().applyCosts()).isEqualTo(new ApplyCosts(3_000, Map.of("Heap", 7_500L, "Btree", 9_000L)));
        assertThat(o.model().progressTimerMicros()).isZero();
        assertThat(o.model().deadlockTimeoutMicros()).isEqualTo(250_000);
        assertThat(o.feedbackSinceSeconds()).isEqualTo(2.5);
        assertThat(o.calibrate()).isTrue();
        assertThat(run("simulate", "--synthetic", "--apply-us", "Heap=7")[2]).contains("--apply-us").contains("other=");
    }

    @Test
    void theProgressTimerTicksFromTheRedoStartGivenAfterTheOrigin() {
        SimulateCommand c = new SimulateCommand();
        new CommandLine(c).parseArgs("--synthetic", "--progress-interval", "5s", "--redo-started", "-1.5");
        StandbySettings s = c.settings(10_000_000);
        assertThat(s.progressTimerMicros()).isEqualTo(5_000_000);
        assertThat(s.progressTimerPhaseMicros()).isEqualTo(8_500_000);
    }
}
