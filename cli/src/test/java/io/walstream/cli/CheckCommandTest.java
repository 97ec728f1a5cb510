package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.cli.Readiness.Facts;
import io.walstream.cli.Readiness.Finding;
import io.walstream.cli.Readiness.Probe;
import io.walstream.cli.Readiness.Severity;
import io.walstream.cli.Readiness.SlotState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The rules of {@code walstream check} on observed facts, its output shapes and its usage errors; no server. */
final class CheckCommandTest {

    private static final Map<String, String> GOOD = Map.of("wal_level", "replica", "max_wal_senders", "10",
            "max_replication_slots", "10", "max_slot_wal_keep_size", "-1", "wal_keep_size", "0",
            "synchronous_standby_names", "", "max_connections", "100", "max_prepared_transactions", "0",
            "max_locks_per_transaction", "64", "max_worker_processes", "8");

    private static Facts facts(Map<String, String> changed, int senders, int slots, Probe probe, String slotName,
            SlotState slot) {
        Map<String, String> settings = new HashMap<>(GOOD);
        settings.putAll(changed);
        return new Facts("db:5432", "rep", "10.0.0.7", null, 170004, "17.4", settings, senders, slots, true, false,
                probe, slotName, slot, "walstream");
    }

    private static SlotState slot(String walStatus, boolean active) {
        return new SlotState("s", true, "physical", active, active ? 4242 : null, walStatus, "0/3000000", null, null);
    }

    private static Finding finding(List<Finding> findings, String check) {
        return findings.stream().filter(f -> f.check().equals(check)).findFirst()
                .orElseThrow(() -> new AssertionError("no finding " + check + " in " + findings));
    }

    private static Severity severity(Facts f, String check) {
        return finding(Readiness.evaluate(f), check).severity();
    }

    @Test
    void aGoodPrimaryWithAReservedSlotHasNoWarningOrError() {
        List<Finding> all = Readiness.evaluate(facts(Map.of(), 1, 1, Probe.ok(), "s", slot("reserved", false)));
        assertThat(all).allMatch(f -> f.severity() == Severity.OK || f.severity() == Severity.INFO, "ok or info");
        assertThat(Readiness.count(all, Severity.INFO)).isEqualTo(7); // keep size -1, sync names, 5 standby minimums
        assertThat(finding(all, "standby: max_wal_senders").fix()).isEqualTo("on each standby: max_wal_senders >= 10");
    }

    @Test
    void walSenderHeadroom() {
        Facts two = facts(Map.of("max_wal_senders", "3"), 1, 0, Probe.ok(), null, null);
        assertThat(severity(two, "max_wal_senders")).isEqualTo(Severity.OK);
        Facts one = facts(Map.of("max_wal_senders", "3"), 2, 0, Probe.ok(), null, null);
        assertThat(severity(one, "max_wal_senders")).isEqualTo(Severity.WARNING);
        Finding none = finding(Readiness.evaluate(facts(Map.of("max_wal_senders", "3"), 3, 0,
                new Probe(false, "53300", "FATAL: too many"), null, null)), "max_wal_senders");
        assertThat(none.severity()).isEqualTo(Severity.ERROR);
        assertThat(none.observed()).isEqualTo("3 (3 in use, 0 free)");
        assertThat(none.fix()).startsWith("max_wal_senders = 5 or more (needs a restart)");
        assertThat(severity(facts(Map.of("max_wal_senders", "0"), 0, 0, Probe.ok(), null, null), "max_wal_senders"))
                .isEqualTo(Severity.ERROR);
    }

    @Test
    void slotHeadroomDependsOnWhetherTheSlotMustBeCreated() {
        Map<String, String> full = Map.of("max_replication_slots", "2");
        assertThat(severity(facts(full, 0, 2, Probe.ok(), "s", slot("reserved", false)), "max_replication_slots"))
                .isEqualTo(Severity.OK);
        assertThat(severity(facts(full, 0, 2, Probe.ok(), "s", SlotState.missing("s")), "max_replication_slots"))
                .isEqualTo(Severity.ERROR);
        assertThat(severity(facts(full, 0, 2, Probe.ok(), null, null), "max_replication_slots"))
                .isEqualTo(Severity.WARNING);
    }

    @Test
    void walLevelMinimalIsAnError() {
        Finding f = finding(Readiness.evaluate(facts(Map.of("wal_level", "minimal"), 0, 0, Probe.ok(), null, null)),
                "wal_level");
        assertThat(f.severity()).isEqualTo(Severity.ERROR);
        assertThat(f.fix()).startsWith("wal_level = replica");
    }

    @Test
    void replicationConnectionRefusalsBySqlState() {
        Finding hba = finding(Readiness.evaluate(facts(Map.of(), 0, 0,
                new Probe(false, "28000", "FATAL: no pg_hba.conf entry"), null, null)), "replication connection");
        assertThat(hba.severity()).isEqualTo(Severity.ERROR);
        assertThat(hba.fix()).contains("host replication rep 10.0.0.7/32 scram-sha-256");
        assertThat(severity(facts(Map.of(), 0, 0, new Probe(false, "28P01", "FATAL: password"), null, null),
                "replication connection")).isEqualTo(Severity.ERROR);
        assertThat(severity(facts(Map.of(), 0, 0, new Probe(false, null, "connection refused"), null, null),
                "replication connection")).isEqualTo(Severity.ERROR);

        // 42501 comes after authentication: pg_hba.conf is fine, the role is not.
        Facts noRole = new Facts("db:5432", "Rep", null, "FATAL: no pg_hba.conf entry (SQLSTATE 28000)", null, null,
                Map.of(), null, null, null, null, new Probe(false, "42501", "FATAL: permission denied"), null, null,
                "walstream");
        List<Finding> all = Readiness.evaluate(noRole);
        assertThat(finding(all, "replication connection").severity()).isEqualTo(Severity.OK);
        assertThat(finding(all, "replication privilege").severity()).isEqualTo(Severity.ERROR);
        assertThat(finding(all, "replication privilege").fix()).isEqualTo("ALTER ROLE \"Rep\" REPLICATION");
        // Both connections failed: the SQL one is an error too, and nothing else is guessed.
        assertThat(finding(all, "sql connection").severity()).isEqualTo(Severity.ERROR);
        assertThat(all).extracting(Finding::check)
                .containsExactly("sql connection", "replication connection", "replication privilege");
    }

    @Test
    void aFailedSqlConnectionIsOnlyAWarningWhenReplicationWorks() {
        Facts f = new Facts("db:5432", "rep", null, "FATAL: no pg_hba.conf entry (SQLSTATE 28000)", 170004, "17.4",
                GOOD, null, null, null, null, Probe.ok(), null, null, "walstream");
        List<Finding> all = Readiness.evaluate(f);
        assertThat(finding(all, "sql connection").severity()).isEqualTo(Severity.WARNING);
        assertThat(finding(all, "max_wal_senders").observed()).isEqualTo("10 (in use: unknown)");
        assertThat(finding(all, "replication privilege").severity()).isEqualTo(Severity.OK);
    }

    @Test
    void slotStates() {
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s", slot("reserved", false)), "slot s"))
                .isEqualTo(Severity.OK);
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s", slot("extended", false)), "slot s"))
                .isEqualTo(Severity.WARNING);
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s", slot("unreserved", false)), "slot s"))
                .isEqualTo(Severity.WARNING);
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s", slot("reserved", true)), "slot s"))
                .isEqualTo(Severity.WARNING);
        assertThat(severity(facts(Map.of(), 0, 0, Probe.ok(), "s", SlotState.missing("s")), "slot s"))
                .isEqualTo(Severity.WARNING);
        Finding lost = finding(Readiness.evaluate(facts(Map.of(), 0, 1, Probe.ok(), "s",
                new SlotState("s", true, "physical", false, null, "lost", null, null, "wal_removed"))), "slot s");
        assertThat(lost.severity()).isEqualTo(Severity.ERROR);
        assertThat(lost.observed()).isEqualTo("wal_status lost, restart_lsn none, inactive, invalidated: wal_removed");
        assertThat(lost.fix()).startsWith("SELECT pg_drop_replication_slot('s')");
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s",
                new SlotState("s", true, "logical", false, null, "reserved", "0/1", null, null)), "slot s"))
                .isEqualTo(Severity.ERROR);
    }

    @Test
    void walRetentionWithAndWithoutASlot() {
        assertThat(severity(facts(Map.of(), 0, 0, Probe.ok(), null, null), "wal_keep_size"))
                .isEqualTo(Severity.WARNING);
        assertThat(severity(facts(Map.of("wal_keep_size", "1GB"), 0, 0, Probe.ok(), null, null), "wal_keep_size"))
                .isEqualTo(Severity.OK);
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s", slot("reserved", false)), "wal_keep_size"))
                .isEqualTo(Severity.OK);
        assertThat(severity(facts(Map.of(), 0, 1, Probe.ok(), "s", slot("reserved", false)),
                "max_slot_wal_keep_size")).isEqualTo(Severity.INFO);
        assertThat(severity(facts(Map.of("max_slot_wal_keep_size", "10GB"), 0, 1, Probe.ok(), "s",
                slot("reserved", false)), "max_slot_wal_keep_size")).isEqualTo(Severity.OK);
    }

    @Test
    void versionsBefore13AreRefused() {
        Facts old = new Facts("db:5432", "rep", null, null, 120015, "12.15", GOOD, 0, 0, true, false, Probe.ok(), null,
                null, "walstream");
        assertThat(severity(old, "server version")).isEqualTo(Severity.ERROR);
    }

    @Test
    void synchronousStandbyNamesSyntax() {
        assertThat(Readiness.standbyNames("")).isEmpty();
        assertThat(Readiness.standbyNames("a, b")).containsExactly("a", "b");
        assertThat(Readiness.standbyNames("FIRST 2 (s1, \"Wal,Stream\", s3)")).containsExactly("s1", "Wal,Stream", "s3");
        assertThat(Readiness.standbyNames("any 1(x,\"y\"\"z\")")).containsExactly("x", "y\"z");
        assertThat(Readiness.standbyNames("2 (a,b)")).containsExactly("a", "b");
        assertThat(Readiness.isListed("ANY 1 (pg1, WALSTREAM)", "walstream")).isTrue();
        assertThat(Readiness.isListed("*", "walstream")).isTrue();
        assertThat(Readiness.isListed("pg1, pg2", "walstream")).isFalse();

        Finding listed = finding(Readiness.evaluate(facts(Map.of("synchronous_standby_names", "FIRST 1 (walstream)"),
                0, 0, Probe.ok(), null, null)), "synchronous_standby_names");
        assertThat(listed.severity()).isEqualTo(Severity.INFO);
        assertThat(listed.message()).contains("is listed");
        assertThat(listed.fix()).isNull();
    }

    @Test
    void jsonAndTextShapes() {
        Facts f = facts(Map.of("wal_level", "minimal"), 0, 0, Probe.ok(), null, null);
        List<Finding> all = Readiness.evaluate(f);
        String json = Json.write(CheckCommand.toJson(f, all));
        assertThat(json).contains("\"ready\": false", "\"errors\": 1", "\"warnings\": 1",
                "{\n      \"check\": \"wal_level\",\n      \"severity\": \"error\",\n      \"observed\": \"minimal\"");
        StringWriter text = new StringWriter();
        CheckCommand.print(f, all, new PrintWriter(text, true));
        assertThat(text.toString()).startsWith("walstream check: db:5432 as rep, PostgreSQL 17.4\n")
                .containsPattern("(?m)^  error    wal_level +minimal$")
                .containsPattern("(?m)^ +fix: wal_level = replica ")
                .endsWith("walstream check: NOT READY (1 error, 1 warning)\n");
    }

    @Test
    void usageErrorsExitTwoAndHelpWorks() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("check", "--no-such-flag")).isEqualTo(2);
        assertThat(cl.execute("check", "-d", "host=db nonsense_keyword=1")).isEqualTo(2);
        assertThat(err.toString()).contains("nonsense_keyword");
        assertThat(cl.execute("check", "--help")).isZero();
        assertThat(out.toString()).contains("--slot=NAME", "-h, --host=HOST", "Exit codes:");
    }
}
