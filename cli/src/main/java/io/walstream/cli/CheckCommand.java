package io.walstream.cli;

import io.walstream.cli.Readiness.Facts;
import io.walstream.cli.Readiness.Finding;
import io.walstream.cli.Readiness.Probe;
import io.walstream.cli.Readiness.Severity;
import io.walstream.cli.Readiness.SlotState;
import io.walstream.protocol.PgServerException;
import io.walstream.protocol.replication.ReplicationSlotInfo;
import io.walstream.walreceiver.ReplicationConnection;
import io.walstream.walreceiver.conn.ConnInfoException;
import io.walstream.walreceiver.conn.ConnectionSettings;
import io.walstream.walreceiver.jdbc.PgJdbcWalSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code walstream check [-d CONNINFO] [--slot NAME] [--application-name NAME] [--json]}: whether a primary is ready
 * for walstream. Reads settings and usage over a normal SQL connection (pgjdbc), then opens a replication connection,
 * which is the only proof that pg_hba.conf and the role's REPLICATION attribute let walstream in.
 */
// No mixinStandardHelpOptions: its -h collides with the connection's -h (host).
@Command(name = "check", versionProvider = Walstream.Version.class, sortOptions = false,
        description = {"Check that a PostgreSQL primary is ready for walstream receive.",
            "Checks the server version, wal_level, WAL sender and slot headroom, pg_hba.conf and the REPLICATION"
                + " attribute, the slot's state, WAL retention, synchronous_standby_names, and the settings a hot"
                + " standby must match.",
            "Each finding is ok, info, warning or error, with the setting to change."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {"0:no errors (warnings allowed)", "1:at least one error", "2:usage error"})
final class CheckCommand implements Callable<Integer> {

    private static final Logger log = LoggerFactory.getLogger(CheckCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    HelpOptions helpOptions;

    @Mixin
    ConnectionOptions connection;

    @Option(names = {"-S", "--slot"}, paramLabel = "NAME", description = "The slot walstream receive will use.")
    String slot;

    @Option(names = "--application-name", paramLabel = "NAME", description = "The application_name walstream"
            + " receive will stream as, for synchronous_standby_names (default: the conninfo's, else walstream).")
    String applicationName;

    @Option(names = "--json", description = "Print the findings as JSON on stdout.")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "More log output, and stack traces for errors.")
    boolean verbose;

    @Override
    public Integer call() {
        Logging.configure(verbose);
        ConnectionSettings settings;
        try {
            settings = connection.resolve();
        } catch (ConnInfoException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        Facts facts = gather(settings, slot, applicationName != null ? applicationName : settings.applicationName());
        List<Finding> findings = Readiness.evaluate(facts);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(toJson(facts, findings)));
        } else {
            print(facts, findings, out);
        }
        out.flush();
        return Readiness.count(findings, Severity.ERROR) > 0 ? 1 : 0;
    }

    /** SQL first, so that the replication probe's own WAL sender is not counted as in use. */
    static Facts gather(ConnectionSettings settings, String slotName, String applicationName) {
        Catalog catalog = Catalog.read(settings, slotName);
        Probe probe;
        Map<String, String> shown = new LinkedHashMap<>(catalog.settings());
        Integer versionNum = catalog.versionNum();
        String version = catalog.version();
        SlotState slotState = catalog.slot();
        try (ReplicationConnection c = ReplicationConnection.open(settings)) {
            probe = Probe.ok();
            if (catalog.error() != null) {
                // No catalogs: what SHOW and READ_REPLICATION_SLOT tell over the replication connection.
                versionNum = c.serverVersion().versionNum();
                version = c.serverParameters().get("server_version");
                for (String name : Readiness.SETTINGS) {
                    try {
                        shown.put(name, c.show(name));
                    } catch (PgServerException e) {
                        log.debug("SHOW {} failed: {}", name, e.getMessage());
                    }
                }
                if (slotName != null && versionNum >= 150000) {
                    Optional<ReplicationSlotInfo> info = c.readReplicationSlot(slotName);
                    slotState = info.map(i -> new SlotState(slotName, true, i.slotType(), null, null, null,
                            i.restartLsn() == null ? null : i.restartLsn().toString(), null, null))
                            .orElse(SlotState.missing(slotName));
                }
            }
        } catch (PgServerException e) {
            probe = new Probe(false, e.sqlState(), oneLine(e.getMessage()));
        } catch (RuntimeException e) {
            log.debug("replication connection failed", e);
            probe = new Probe(false, null, oneLine(e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        return new Facts(settings.hosts().get(0).toString(), settings.user(), catalog.clientAddress(), catalog.error(),
                versionNum, version, shown, catalog.walSenders(), catalog.slots(), catalog.rolReplication(),
                catalog.rolSuper(), probe, slotName, slotState, applicationName);
    }

    /** What the normal SQL connection read; {@code error} set (and the rest null or empty) when it failed. */
    private record Catalog(String error, Integer versionNum, String version, String clientAddress,
            Map<String, String> settings, Integer walSenders, Integer slots, Boolean rolReplication, Boolean rolSuper,
            SlotState slot) {

        static Catalog read(ConnectionSettings settings, String slotName) {
            // A replication conninfo names the pseudo-database "replication"; the catalogs are in any real one.
            String db = ConnectionSettings.DEFAULT_DBNAME.equals(settings.dbname()) ? "postgres" : settings.dbname();
            try (Connection sql = new Driver().connect(PgJdbcWalSource.jdbcUrl(settings, db),
                    PgJdbcWalSource.jdbcProperties(settings)); Statement st = sql.createStatement()) {
                Map<String, String> values = new LinkedHashMap<>();
                try (PreparedStatement ps = sql.prepareStatement(
                        "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY (?)")) {
                    ps.setArray(1, sql.createArrayOf("text", Readiness.SETTINGS.toArray()));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            values.put(rs.getString(1), rs.getString(2));
                        }
                    }
                }
                int versionNum;
                String version;
                String client;
                try (ResultSet rs = st.executeQuery("SELECT current_setting('server_version_num')::int,"
                        + " current_setting('server_version'), host(inet_client_addr())")) {
                    rs.next();
                    versionNum = rs.getInt(1);
                    version = rs.getString(2);
                    client = rs.getString(3);
                }
                int senders = count(st, "SELECT count(*) FROM pg_stat_replication");
                int slots = count(st, "SELECT count(*) FROM pg_replication_slots");
                Boolean replication = null;
                Boolean superuser = null;
                try (ResultSet rs = st.executeQuery(
                        "SELECT rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user")) {
                    if (rs.next()) {
                        replication = rs.getBoolean(1);
                        superuser = rs.getBoolean(2);
                    }
                }
                SlotState slotState = slotName == null ? null : slot(sql, slotName, versionNum);
                return new Catalog(null, versionNum, version, client, values, senders, slots, replication, superuser,
                        slotState);
            } catch (SQLException | RuntimeException e) {
                log.debug("SQL connection failed", e);
                String state = e instanceof SQLException s && s.getSQLState() != null
                        ? " (SQLSTATE " + s.getSQLState() + ")" : "";
                return new Catalog(oneLine(String.valueOf(e.getMessage())) + state, null, null, null, Map.of(), null,
                        null, null, null, null);
            }
        }

        private static int count(Statement st, String query) throws SQLException {
            try (ResultSet rs = st.executeQuery(query)) {
                rs.next();
                return rs.getInt(1);
            }
        }

        private static SlotState slot(Connection sql, String name, int versionNum) throws SQLException {
            String reason = versionNum >= 170000 ? "invalidation_reason" : "NULL::text";
            try (PreparedStatement ps = sql.prepareStatement("SELECT slot_type, active, active_pid, wal_status,"
                    + " restart_lsn::text, safe_wal_size, " + reason + " FROM pg_replication_slots WHERE slot_name = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return SlotState.missing(name);
                    }
                    int pid = rs.getInt(3);
                    Integer activePid = rs.wasNull() ? null : pid;
                    long safe = rs.getLong(6);
                    Long safeWalSize = rs.wasNull() ? null : safe;
                    return new SlotState(name, true, rs.getString(1), rs.getBoolean(2), activePid, rs.getString(4),
                            rs.getString(5), safeWalSize, rs.getString(7));
                }
            }
        }
    }

    private static String oneLine(String s) {
        return s.replaceAll("\\s*\\n\\s*", " ").trim();
    }

    static void print(Facts f, List<Finding> findings, PrintWriter out) {
        out.printf("walstream check: %s as %s%s%n%n", f.server(), f.user(),
                f.version() == null ? "" : ", PostgreSQL " + f.version());
        for (Finding x : findings) {
            out.printf("  %-8s %-27s %s%n", x.severity().label(), x.check(), x.observed());
            out.printf("  %-8s %-27s %s%n", "", "", x.message());
            if (x.fix() != null) {
                out.printf("  %-8s %-27s fix: %s%n", "", "", x.fix());
            }
        }
        long errors = Readiness.count(findings, Severity.ERROR);
        long warnings = Readiness.count(findings, Severity.WARNING);
        out.printf("%nwalstream check: %s (%d %s, %d %s)%n", errors == 0 ? "ready" : "NOT READY", errors,
                errors == 1 ? "error" : "errors", warnings, warnings == 1 ? "warning" : "warnings");
    }

    static Map<String, Object> toJson(Facts f, List<Finding> findings) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("server", f.server());
        m.put("user", f.user());
        m.put("version", f.version());
        m.put("versionNum", f.versionNum());
        long errors = Readiness.count(findings, Severity.ERROR);
        m.put("ready", errors == 0);
        m.put("errors", errors);
        m.put("warnings", Readiness.count(findings, Severity.WARNING));
        List<Object> list = new ArrayList<>();
        for (Finding x : findings) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("check", x.check());
            fm.put("severity", x.severity().label());
            fm.put("observed", x.observed());
            fm.put("message", x.message());
            fm.put("fix", x.fix());
            list.add(fm);
        }
        m.put("findings", list);
        return m;
    }
}
