package io.walstream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.FreePort;
import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs docs/hot-standby.md: every shell block marked {@code <!-- test: HOST [background] [id=ID] -->} is taken from
 * the document as written, its site-specific names (hosts, port 5432, paths, the metrics port) are replaced by those
 * of real PostgreSQL 15 servers on this machine, and it runs with {@code bash -euo pipefail} as that host's account.
 * A block that fails fails the test. The test only adds what the document leaves to time or to the site: waiting for
 * asynchronous replication before a block that reads its result, each standby's own port and socket directory (all
 * "hosts" share one machine), and stopping the receiver where the guide says to stop it. It takes away pgcluster's
 * own {@code host replication all} lines first, so that the guide's {@code pg_hba.conf} line is the one in use.
 *
 * <p>Hosts: {@code pg1} the primary (started by pgcluster, everything else on it done by the guide), {@code pg2} and
 * {@code pg3} standbys built by the guide ({@code standbys} blocks run on both, {@code pg2} in them read as the
 * standby's own name), {@code archive} the walstream host (the packaged jar behind a {@code walstream} command), whose
 * {@code receive --serve} the standbys' {@code restore_command} reaches with curl (found as {@link Curl} finds it: a
 * missing curl fails the test by name).
 */
class HotStandbyGuideIT {

    private static final Path GUIDE = Path.of("..", "docs", "hot-standby.md");
    private static final Pattern MARKER = Pattern.compile("<!--\\s*test:\\s*([a-z0-9]+)((?:\\s+[a-z=_-]+)*)\\s*-->");
    private static final List<String> HOSTS = List.of("pg1", "pg2", "pg3", "standbys", "archive");
    /** What the document may name only through a substitution: nothing of it may remain in a script. */
    private static final List<String> SITE_SPECIFIC = List.of("example.com", "5432", "/var/lib/walstream", "/var/log",
            "9187", "7480", "192.0.2.");

    record Block(int line, String host, boolean background, String id, String script) {
    }

    /** The marked blocks in document order; an unmarked shell block is an error (it would go untested). */
    static List<Block> blocks(String markdown) {
        List<Block> blocks = new ArrayList<>();
        List<String> unmarked = new ArrayList<>();
        String[] lines = markdown.split("\n", -1);
        Matcher pending = null;
        int pendingLine = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            Matcher m = MARKER.matcher(line.trim());
            if (line.startsWith("<!--") && m.matches()) {
                pending = m;
                pendingLine = i + 1;
                continue;
            }
            if (line.startsWith("```")) {
                String lang = line.substring(3).trim();
                StringBuilder body = new StringBuilder();
                int start = i + 1;
                for (i++; i < lines.length && !lines[i].startsWith("```"); i++) {
                    body.append(lines[i]).append('\n');
                }
                boolean shell = lang.equals("sh") || lang.equals("bash") || lang.equals("shell");
                if (pending != null) {
                    if (!shell) {
                        throw new AssertionError("line " + pendingLine + ": a test marker before a ```" + lang
                                + " block");
                    }
                    List<String> words = List.of(pending.group(2).trim().split("\\s+"));
                    String id = words.stream().filter(w -> w.startsWith("id=")).map(w -> w.substring(3))
                            .findFirst().orElse(null);
                    blocks.add(new Block(start, pending.group(1), words.contains("background"), id, body.toString()));
                } else if (shell) {
                    unmarked.add("line " + start);
                }
                pending = null;
                continue;
            }
            if (!line.isBlank()) {
                pending = null;
            }
        }
        assertThat(unmarked).as("shell blocks without a <!-- test: HOST --> marker").isEmpty();
        return blocks;
    }

    @Test
    void everyShellBlockOfTheGuideIsMarkedForAKnownHost() throws IOException {
        List<Block> blocks = blocks(Files.readString(GUIDE));
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(15);
        assertThat(blocks).allSatisfy(b -> assertThat(HOSTS).as("host of the block at line %d", b.line())
                .contains(b.host()));
        assertThat(blocks).filteredOn(b -> b.id() != null).extracting(Block::id)
                .containsExactly("basebackup", "read", "verify", "follows");
        assertThat(blocks).filteredOn(Block::background).hasSize(2);
    }

    @Test
    @Tag("pg-client-tools")
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void theGuideRunsOnRealServers(@TempDir Path tmp) throws Exception {
        List<Block> blocks = blocks(Files.readString(GUIDE));
        new Run(tmp).execute(blocks);
    }

    /** One run of the guide: the hosts, their processes, the waits between blocks. */
    private static final class Run {
        private final Path tmp;
        private final Path archive;
        private final Path logs;
        private final Path bin;
        /** The guide's PostgreSQL commands: a local 15 install's server, pg_ctl, pg_basebackup and psql. */
        private final PgBinaries binaries;
        private final String pgPath;
        private final String account;
        private final int metricsPort = FreePort.loopback();
        /** Where the guide's archive.example.com:7480 ({@code receive --serve}) listens here. */
        private final int servePort = FreePort.loopback();
        private final Map<String, Host> hosts = new LinkedHashMap<>();
        private PgCluster pg1;
        private Process receiver;
        private Path receiverOutput;
        private int receiverCount;
        private final StringBuilder transcript = new StringBuilder();

        Run(Path tmp) throws IOException {
            this.tmp = tmp;
            // The servers run as another account when we are root: it must reach the jar, the archive and the logs.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            this.archive = Files.createDirectories(tmp.resolve("archive"));
            this.logs = Files.createDirectories(tmp.resolve("log"));
            this.bin = Files.createDirectories(tmp.resolve("bin"));
            this.binaries = PgBinaries.resolve(15, List.of(PgBinaries.Source.LOCAL));
            this.pgPath = Stream.of(binaries.binDir(), PgBinaries.clientTool(15, "pg_basebackup").getParent(),
                    PgBinaries.clientTool(15, "psql").getParent()).distinct().map(Path::toString)
                    .collect(Collectors.joining(":"));
            this.account = "root".equals(System.getProperty("user.name"))
                    ? System.getenv().getOrDefault("WALSTREAM_PG_USER", "postgres") : null;
        }

        /** A machine of the guide: its account, its environment, and how the guide's names map onto it. */
        final class Host {
            final String name;
            final boolean postgres;
            final Map<String, String> env = new LinkedHashMap<>();
            final Path home;
            int port;
            Path dataDir;
            Path socketDir;

            Host(String name, boolean postgres) throws IOException {
                this.name = name;
                this.postgres = postgres;
                this.home = Files.createDirectories(tmp.resolve("home-" + name));
                env.put("PATH", pgPath + ":" + bin + ":/usr/local/bin:/usr/bin:/bin");
                env.put("HOME", home.toString());
                // libpq before 16 and the JVM find ~/.pgpass through the account's passwd entry, not $HOME.
                env.put("PGPASSFILE", home.resolve(".pgpass").toString());
                env.put("LC_ALL", "C");
                if (postgres) {
                    own(home);
                }
            }

            void server(int port, Path socketDir, Path dataDir) {
                this.port = port;
                this.socketDir = socketDir;
                this.dataDir = dataDir;
                env.put("PGHOST", socketDir.toString());
                env.put("PGPORT", Integer.toString(port));
                env.put("PGUSER", "postgres");
                env.put("PGDATA", dataDir.toString());
            }


            Connection connect() throws SQLException {
                Properties p = new Properties();
                p.setProperty("user", "postgres");
                p.setProperty("password", pg1.password());
                p.setProperty("sslmode", "disable");
                p.setProperty("connectTimeout", "10");
                return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", p);
            }

            String query(String sql) {
                try (Connection c = connect()) {
                    List<List<String>> rows = PgCluster.query(c, sql);
                    return rows.isEmpty() ? null : rows.get(0).get(0);
                } catch (SQLException e) {
                    return "(" + e.getMessage() + ")";
                }
            }
        }

        void execute(List<Block> blocks) throws Exception {
            Files.copy(Path.of("target", "walstream.jar"), bin.resolve("walstream.jar"), StandardCopyOption.REPLACE_EXISTING);
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path launcher = bin.resolve("walstream");
            Files.writeString(launcher, "#!/bin/sh\nexec " + java + " -XX:TieredStopAtLevel=1 -XX:-UsePerfData"
                    + " -jar " + bin.resolve("walstream.jar") + " \"$@\"\n");
            Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
            // The guide's curl, for the standbys' restore_command and the hosts' checks: the one the tests use,
            // whatever its name or directory, as plain "curl" on every host's PATH.
            Path curl = bin.resolve("curl");
            Files.writeString(curl, "#!/bin/sh\nexec " + Curl.path() + " \"$@\"\n");
            Files.setPosixFilePermissions(curl, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.setPosixFilePermissions(archive, PosixFilePermissions.fromString("rwxr-xr-x"));
            own(logs);

            pg1 = PgCluster.builder().binaries(binaries).name("guide_pg1").start();
            try {
                // pgcluster admits replication from loopback for everyone; drop that, so that the guide's own
                // pg_hba.conf line is what lets the standbys and walstream in.
                Path hba = pg1.dataDir().resolve("pg_hba.conf");
                Files.write(hba, Files.readAllLines(hba).stream()
                        .filter(l -> !l.matches("host\\w*\\s+replication\\s+all\\s.*")).toList());
                pg1.reload(Map.of());
                assertThat(pg1.queryString("SELECT count(*)::text FROM pg_hba_file_rules"
                        + " WHERE type LIKE 'host%' AND 'replication' = ANY(database)")).isEqualTo("0");
                Host h1 = new Host("pg1", true);
                h1.server(pg1.port(), pg1.socketDir(), pg1.dataDir());
                hosts.put("pg1", h1);
                for (String name : List.of("pg2", "pg3")) {
                    Host h = new Host(name, true);
                    Path dir = Files.createDirectories(tmp.resolve(name));
                    own(dir);
                    h.server(FreePort.loopback(), dir, dir.resolve("data"));
                    hosts.put(name, h);
                }
                hosts.put("archive", new Host("archive", false));

                long started = System.nanoTime();
                for (Block block : blocks) {
                    List<Host> targets = block.host().equals("standbys")
                            ? List.of(hosts.get("pg2"), hosts.get("pg3")) : List.of(hosts.get(block.host()));
                    for (Host host : targets) {
                        before(block, host);
                        if (block.background()) {
                            startReceiver(block, host);
                        } else {
                            run(block, host);
                        }
                        after(block, host);
                    }
                }
                assertEndState();
                stopReceiver();
                System.out.printf("HotStandbyGuideIT: %d blocks of %s ran in %d s%n", blocks.size(), GUIDE,
                        TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started));
            } catch (Throwable t) {
                throw new AssertionError(t.getMessage() + "\n--- transcript ---\n" + transcript + serverLogs(), t);
            } finally {
                // What each block printed, for a reader who wants to see the guide's output on real servers.
                Files.writeString(Path.of("target", "hot-standby-guide.transcript"), transcript + serverLogs());
                if (receiver != null && receiver.isAlive()) {
                    receiver.descendants().forEach(ProcessHandle::destroyForcibly);
                    receiver.destroyForcibly();
                }
                for (String name : List.of("pg2", "pg3")) {
                    Host h = hosts.get(name);
                    if (h != null && Files.exists(h.dataDir.resolve("postmaster.pid"))) {
                        try {
                            exec(h, "pg_ctl stop -m immediate", 60);
                        } catch (Exception e) {
                            System.err.println("HotStandbyGuideIT: stopping " + name + ": " + e);
                        }
                    }
                }
                pg1.close();
            }
        }

        // ------------------------------------------------------------ the waits the document leaves to time

        private void before(Block block, Host host) throws Exception {
            if ("read".equals(block.id())) {
                // "a moment later": until the standby has replayed the primary's table.
                String lsn = pg1.currentWalLsn();
                await("replay of " + lsn + " on " + host.name, () -> "t".equals(host.query(
                        "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")));
            }
            if ("verify".equals(block.id())) {
                Host pg2 = hosts.get("pg2");
                await("walstream streaming timeline 2 from pg2", () -> Files.exists(archive.resolve("00000002.history"))
                        && "1".equals(pg2.query("SELECT count(*) FROM pg_stat_replication"
                                + " WHERE application_name = 'walstream' AND state = 'streaming'")));
            }
            if ("follows".equals(block.id())) {
                await("pg3 streaming timeline 2", () -> "2".equals(host.query(
                        "SELECT received_tli FROM pg_stat_wal_receiver WHERE status = 'streaming'")));
            }
        }

        private void after(Block block, Host host) throws IOException {
            if ("basebackup".equals(block.id())) {
                // All hosts share this machine: each standby needs its own port and socket directory.
                Files.writeString(host.dataDir.resolve("postgresql.auto.conf"),
                        "# HotStandbyGuideIT: this host's own port and socket directory\nport = '" + host.port
                                + "'\nunix_socket_directories = '" + host.socketDir + "'\n",
                        StandardOpenOption.APPEND);
            }
        }

        // ------------------------------------------------------------ running blocks

        private String script(Block block, Host host) {
            // A standbys block is written for pg2; on another standby, pg2 is that standby's own name.
            String s = (block.host().equals("standbys") ? block.script().replace("pg2", host.name) : block.script())
                    .replace("host=pg1.example.com port=5432", "host=127.0.0.1 port=" + hosts.get("pg1").port)
                    .replace("host=pg2.example.com port=5432", "host=127.0.0.1 port=" + hosts.get("pg2").port)
                    .replace("archive.example.com:7480", "127.0.0.1:" + servePort)
                    .replace("192.0.2.0/24", "127.0.0.1/32")
                    .replace("/var/lib/walstream/archive", archive.toString())
                    .replace("/var/log/postgresql/", logs + "/")
                    .replace("9187", Integer.toString(metricsPort));
            String rest = s.replace(tmp.toString(), "");
            for (String name : SITE_SPECIFIC) {
                assertThat(Pattern.compile("(?<![0-9])" + Pattern.quote(name) + "(?![0-9])").matcher(rest).find())
                        .as("block at line %d still names %s after substitution:%n%s", block.line(), name, s)
                        .isFalse();
            }
            return s;
        }

        private void run(Block block, Host host) throws Exception {
            String script = script(block, host);
            transcript.append("\n### line ").append(block.line()).append(" on ").append(host.name).append('\n')
                    .append(script);
            Result r = exec(host, script, 180);
            transcript.append(r.output);
            assertThat(r.exit).as("exit code of the block at line %d of %s on %s:%n%s%n--- output ---%n%s",
                    block.line(), GUIDE, host.name, script, r.output).isZero();
        }

        private void startReceiver(Block block, Host host) throws Exception {
            // Where the guide says "stop the receiver": what Ctrl-C or systemctl stop does (SIGTERM).
            stopReceiver();
            String script = script(block, host);
            transcript.append("\n### line ").append(block.line()).append(" on ").append(host.name)
                    .append(" (in the background)\n").append(script);
            receiverOutput = tmp.resolve("receive-" + (++receiverCount) + ".log");
            receiver = process(host, script).redirectOutput(receiverOutput.toFile()).start();
            Host upstream = script.contains("port=" + hosts.get("pg2").port) ? hosts.get("pg2") : hosts.get("pg1");
            await("walstream streaming from " + upstream.name, () -> {
                if (!receiver.isAlive()) {
                    throw new AssertionError("walstream receive (line " + block.line() + ") exited with "
                            + receiver.exitValue() + ":\n" + read(receiverOutput));
                }
                return "1".equals(upstream.query("SELECT count(*) FROM pg_stat_replication"
                        + " WHERE application_name = 'walstream' AND state = 'streaming'"));
            });
        }

        private void stopReceiver() throws Exception {
            if (receiver == null) {
                return;
            }
            // SIGTERM to the JVM (bash may have exec'd it: then it is the process itself).
            List<ProcessHandle> children = receiver.descendants().toList();
            if (children.isEmpty()) {
                receiver.destroy();
            } else {
                children.forEach(ProcessHandle::destroy);
            }
            assertThat(receiver.waitFor(90, TimeUnit.SECONDS)).as("receive did not stop on SIGTERM").isTrue();
            String out = read(receiverOutput);
            transcript.append("\n### walstream receive output\n").append(out);
            assertThat(receiver.exitValue()).as("exit code of walstream receive:%n%s", out).isZero();
            receiver = null;
        }

        record Result(int exit, String output) {
        }

        private ProcessBuilder process(Host host, String script) {
            List<String> cmd = new ArrayList<>();
            if (host.postgres && account != null) {
                cmd.addAll(Files.isExecutable(Path.of("/usr/bin/setpriv"))
                        ? List.of("setpriv", "--reuid=" + account, "--regid=" + account, "--init-groups", "--")
                        : List.of("runuser", "-u", account, "--"));
            }
            cmd.add("env");
            cmd.add("-i");
            host.env.forEach((k, v) -> cmd.add(k + "=" + v));
            cmd.addAll(List.of("bash", "-euo", "pipefail", "-c", script));
            return new ProcessBuilder(cmd).directory(host.home.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        }

        private Result exec(Host host, String script, int timeoutSeconds) throws Exception {
            // Output to a file, not a pipe: a server started by the block keeps its inherited descriptors open.
            Path out = Files.createTempFile(tmp, "block", ".out");
            Process p = process(host, script).redirectOutput(out.toFile()).start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("block did not finish in " + timeoutSeconds + " s:\n" + script + "\n"
                        + read(out));
            }
            return new Result(p.exitValue(), read(out));
        }

        // ------------------------------------------------------------ the end state

        private void assertEndState() {
            Host pg2 = hosts.get("pg2");
            Host pg3 = hosts.get("pg3");
            // pg2 was promoted: a primary writing timeline 2, with the data both standbys read before.
            assertThat(pg2.query("SELECT pg_is_in_recovery()")).isEqualTo("f");
            assertThat(pg2.query("SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")).isEqualTo("00000002");
            assertThat(pg2.query("SELECT answer FROM standby_check")).isEqualTo("42");
            try (Connection c = pg2.connect(); java.sql.Statement st = c.createStatement()) {
                st.execute("CREATE TABLE after_failover AS SELECT g FROM generate_series(1, 1000) g");
                st.execute("SELECT pg_switch_wal()");
            } catch (SQLException e) {
                throw new AssertionError("writing on the promoted pg2: " + e.getMessage(), e);
            }
            String lsn = pg2.query("SELECT pg_current_wal_lsn()");
            // pg3 follows pg2 on timeline 2 and replays what pg2 wrote as a primary; a query on it works.
            await("pg3 replaying " + lsn + " from pg2", () -> "t".equals(pg3.query(
                    "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")));
            assertThat(pg3.query("SELECT pg_is_in_recovery()")).isEqualTo("t");
            assertThat(pg3.query("SELECT count(*) FROM after_failover")).isEqualTo("1000");
            assertThat(pg3.query("SELECT received_tli FROM pg_stat_wal_receiver")).isEqualTo("2");
            // walstream followed: the history file and timeline-2 segments in the same archive.
            await("a complete timeline-2 segment in the archive", () -> {
                try (Stream<Path> files = Files.list(archive)) {
                    return files.anyMatch(f -> f.getFileName().toString().matches("00000002[0-9A-F]{16}"));
                } catch (IOException e) {
                    return false;
                }
            });
            assertThat(archive.resolve("00000002.history")).exists();
            // restore_command served WAL: the standbys started from segments walstream had archived, fetched with
            // curl from the receiver's --serve.
            assertThat(pg3.query("SHOW restore_command")).as("pg3's restore_command")
                    .startsWith("curl ").contains("http://127.0.0.1:" + servePort + "/wal/%f");
            assertThat(read(logs.resolve("pg2.log")) + read(logs.resolve("pg3.log")))
                    .containsPattern("restored log file \"00000001[0-9A-F]{16}\" from archive");
        }

        // ------------------------------------------------------------ helpers

        private void own(Path path) {
            if (account == null) {
                return;
            }
            try {
                Process p = new ProcessBuilder("chown", "-R", account + ":", path.toString()).inheritIO().start();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("chown %s finished", path).isTrue();
                assertThat(p.exitValue()).as("chown %s", path).isZero();
            } catch (IOException | InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        private String serverLogs() {
            StringBuilder sb = new StringBuilder();
            try (Stream<Path> files = Files.list(logs)) {
                for (Path f : files.sorted().toList()) {
                    List<String> lines = read(f).lines().toList();
                    sb.append("\n--- last lines of ").append(f.getFileName()).append(" ---\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())));
                }
            } catch (IOException e) {
                sb.append("\n(logs unreadable: ").append(e).append(')');
            }
            if (receiverOutput != null) {
                sb.append("\n--- ").append(receiverOutput.getFileName()).append(" ---\n").append(read(receiverOutput));
            }
            return sb.toString();
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited 90 s for " + what);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }

    static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
