package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.walreceiver.ReplicationConnection;
import io.walstream.walreceiver.conn.ConnectionSettings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import picocli.CommandLine;

/**
 * {@code walstream check} against real servers configured right and wrong. Two clusters serve every case: one primary
 * that is broken and repaired in turn (privilege, pg_hba.conf, an invalidated slot), and one started with
 * wal_level=minimal and restarted with a single WAL sender.
 */
@ExtendWith(PgClusterExtension.class)
class CheckCommandIT {

    /** One run: exit code and stdout. */
    private record Run(int exit, String out) {

        /** The severity of the finding named {@code check} in the JSON output. */
        String severity(String check) {
            Matcher m = Pattern.compile("\"check\": \"" + Pattern.quote(check) + "\",\\s*\"severity\": \"(\\w+)\"")
                    .matcher(out);
            assertThat(m.find()).as("finding %s in %s", check, out).isTrue();
            return m.group(1);
        }

        String observed(String check) {
            Matcher m = Pattern.compile("\"check\": \"" + Pattern.quote(check)
                    + "\",\\s*\"severity\": \"\\w+\",\\s*\"observed\": \"([^\"]*)\"").matcher(out);
            assertThat(m.find()).as("finding %s in %s", check, out).isTrue();
            return m.group(1);
        }

        /** check → severity of every finding not ok or info. */
        Map<String, String> problems() {
            Matcher m = Pattern.compile("\"check\": \"([^\"]+)\",\\s*\"severity\": \"(warning|error)\"").matcher(out);
            return m.results().collect(Collectors.toMap(r -> r.group(1), r -> r.group(2)));
        }
    }

    private static Run check(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Walstream.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] all = new String[args.length + 1];
        all[0] = "check";
        System.arraycopy(args, 0, all, 1, args.length);
        int exit = cl.execute(all);
        assertThat(err.toString()).as("stderr").doesNotContain("error:");
        return new Run(exit, out.toString());
    }

    private static String conninfo(PgCluster pg, String user, String password) {
        return "host=127.0.0.1 sslmode=disable port=" + pg.port() + " user=" + user + " password=" + password;
    }

    @Test
    void aPrimaryConfiguredRightThenBrokenInTurn() throws Exception {
        try (PgCluster pg = PgCluster.builder().name("check_primary").start()) {
            pg.createReplicationUser("rep", "secret");
            pg.createPhysicalSlot("check_slot");
            String rep = conninfo(pg, "rep", "secret");

            Run good = check("-d", rep, "--slot", "check_slot", "--json");
            assertThat(good.problems()).isEmpty();
            assertThat(good.exit()).isZero();
            assertThat(good.severity("wal_level")).isEqualTo("ok");
            assertThat(good.severity("replication connection")).isEqualTo("ok");
            assertThat(good.observed("replication privilege")).isEqualTo("REPLICATION");
            assertThat(good.observed("slot check_slot")).startsWith("wal_status reserved, restart_lsn ")
                    .endsWith(", inactive");
            assertThat(good.observed("max_wal_senders")).isEqualTo("10 (0 in use, 10 free)");
            assertThat(good.observed("max_replication_slots")).isEqualTo("10 (1 in use, 9 free)");
            assertThat(good.severity("standby: max_connections")).isEqualTo("info");
            assertThat(good.observed("standby: max_connections")).isEqualTo("50");

            Run text = check("-d", rep, "--slot", "check_slot");
            assertThat(text.exit()).isZero();
            assertThat(text.out()).containsPattern("(?m)^  ok +wal_level +replica$")
                    .containsPattern("(?m)^ +fix: on each standby: max_connections >= 50$")
                    .contains("walstream check: ready (0 errors, 0 warnings)");

            Run noSlot = check("-d", rep, "--json");
            assertThat(noSlot.exit()).isZero();
            assertThat(noSlot.problems()).containsExactly(Map.entry("wal_keep_size", "warning"));

            Run missingSlot = check("-d", rep, "--slot", "nope", "--json");
            assertThat(missingSlot.exit()).isZero();
            assertThat(missingSlot.problems()).containsExactly(Map.entry("slot nope", "warning"));

            pg.execute("CREATE ROLE norep LOGIN PASSWORD 'secret'");
            Run norep = check("-d", conninfo(pg, "norep", "secret"), "--slot", "check_slot", "--json");
            assertThat(norep.exit()).isEqualTo(1);
            assertThat(norep.problems()).containsExactly(Map.entry("replication privilege", "error"));
            assertThat(norep.severity("replication connection")).isEqualTo("ok");

            Path hba = pg.dataDir().resolve("pg_hba.conf");
            String hbaLines = Files.readString(hba);
            Files.writeString(hba, hbaLines.lines().filter(l -> !l.startsWith("host    replication"))
                    .collect(Collectors.joining("\n", "", "\n")));
            pg.reload(Map.of());
            Run noHba = check("-d", rep, "--slot", "check_slot", "--json");
            assertThat(noHba.exit()).isEqualTo(1);
            assertThat(noHba.problems()).containsExactly(Map.entry("replication connection", "error"));
            assertThat(noHba.observed("replication connection")).isEqualTo("no pg_hba.conf entry");
            assertThat(noHba.out()).contains("host replication rep 127.0.0.1/32 scram-sha-256");
            Files.writeString(hba, hbaLines);
            pg.reload(Map.of());

            // A slot the server gave up on: it may hold at most 1 MB, so one segment switch and checkpoint past it
            // invalidates it (the loop covers a checkpoint that still finds the WAL in use).
            pg.reload(Map.of("max_slot_wal_keep_size", "1"));
            pg.createPhysicalSlot("doomed");
            pg.execute("CREATE TABLE filler (x text)");
            for (int i = 0; i < 10 && !"lost".equals(pg.queryString(
                    "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'doomed'")); i++) {
                pg.execute("INSERT INTO filler SELECT md5(g::text) FROM generate_series(1, 1000) g",
                        "SELECT pg_switch_wal()", "CHECKPOINT");
            }
            Run lost = check("-d", rep, "--slot", "doomed", "--json");
            assertThat(lost.exit()).isEqualTo(1);
            assertThat(lost.problems()).containsExactly(Map.entry("slot doomed", "error"));
            assertThat(lost.observed("slot doomed")).startsWith("wal_status lost");
            assertThat(lost.observed("max_slot_wal_keep_size")).isEqualTo("1MB");
        }
    }

    @Test
    void walLevelMinimalThenTooFewSenders() {
        try (PgCluster pg = PgCluster.builder().name("check_minimal").setting("wal_level", "minimal")
                .setting("max_wal_senders", "0").start()) {
            String superuser = conninfo(pg, pg.superuser(), pg.password());
            Run minimal = check("-d", superuser, "--json");
            assertThat(minimal.exit()).isEqualTo(1);
            assertThat(minimal.severity("wal_level")).isEqualTo("error");
            assertThat(minimal.severity("max_wal_senders")).isEqualTo("error");
            assertThat(minimal.severity("replication connection")).isEqualTo("error");
            assertThat(minimal.observed("replication connection")).isEqualTo("refused: no free WAL sender");
            assertThat(minimal.out()).contains("wal_level = replica");

            pg.reload(Map.of("wal_level", "replica", "max_wal_senders", "1"));
            pg.restart();
            Run last = check("-d", superuser, "--json");
            assertThat(last.exit()).isZero();
            assertThat(last.problems()).containsEntry("max_wal_senders", "warning");
            assertThat(last.observed("max_wal_senders")).isEqualTo("1 (0 in use, 1 free)");

            try (ReplicationConnection holder = ReplicationConnection.open(ConnectionSettings.resolve(superuser,
                    Map.of("application_name", "holder")))) {
                holder.identifySystem();
                Run full = check("-d", superuser, "--json");
                assertThat(full.exit()).isEqualTo(1);
                assertThat(full.severity("max_wal_senders")).isEqualTo("error");
                assertThat(full.observed("max_wal_senders")).isEqualTo("1 (1 in use, 0 free)");
                assertThat(full.observed("replication connection")).isEqualTo("refused: no free WAL sender");
                assertThat(full.severity("wal_level")).isEqualTo("ok");
            }
        }
    }
}
