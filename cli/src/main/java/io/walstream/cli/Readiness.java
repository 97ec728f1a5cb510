package io.walstream.cli;

import io.walstream.protocol.SqlState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of {@code walstream check}: what was observed on a primary ({@link Facts}) turned into findings, each with
 * a severity and the exact setting to change. No I/O here, so every rule is testable without a server.
 */
final class Readiness {

    /** The oldest PostgreSQL walstream supports (server_version_num). */
    static final int MINIMUM_VERSION_NUM = 130000;

    /** The settings read from the server, by name, as {@code SHOW} prints them. */
    static final List<String> SETTINGS = List.of("wal_level", "max_wal_senders", "max_replication_slots",
            "max_slot_wal_keep_size", "wal_keep_size", "synchronous_standby_names", "max_connections",
            "max_prepared_transactions", "max_locks_per_transaction", "max_worker_processes");

    /** A hot standby refuses to start (or pauses replay) with less of these than its primary. */
    static final List<String> STANDBY_MINIMUMS = List.of("max_connections", "max_prepared_transactions",
            "max_locks_per_transaction", "max_wal_senders", "max_worker_processes");

    private Readiness() {
    }

    /** INFO is advice that needs no change; only ERROR makes the check fail. */
    enum Severity {
        OK, INFO, WARNING, ERROR;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One line of the report.
     *
     * @param check    what was checked: a setting's name, or e.g. "replication connection"
     * @param observed the value seen on the server
     * @param fix      the setting or command to change; null when nothing needs to change
     */
    record Finding(String check, Severity severity, String observed, String message, String fix) {
    }

    /**
     * How the replication connection attempt went.
     *
     * @param sqlState the server's SQLSTATE when it refused; null for a network or TLS failure
     * @param error    null when it connected
     */
    record Probe(boolean connected, String sqlState, String error) {

        static Probe ok() {
            return new Probe(true, null, null);
        }
    }

    /** The slot named with {@code --slot}; fields the source could not tell are null. */
    record SlotState(String name, boolean exists, String type, Boolean active, Integer activePid, String walStatus,
            String restartLsn, Long safeWalSize, String invalidationReason) {

        static SlotState missing(String name) {
            return new SlotState(name, false, null, null, null, null, null, null, null);
        }
    }

    /**
     * What was observed. Null means unknown (e.g. no SQL connection: in-use counts and the role come from catalogs).
     *
     * @param server          host:port
     * @param clientAddress   this client's address as the server sees it (for a pg_hba.conf line)
     * @param sqlError        why the normal SQL connection failed; null when it worked
     * @param settings        {@link #SETTINGS} as SHOW prints them (from SQL, or SHOW over the replication connection)
     * @param slotName        {@code --slot}, or null
     * @param slot            its state; null without {@code --slot} or when neither source could say
     * @param applicationName the name walstream would stream as (synchronous_standby_names matches it)
     */
    record Facts(String server, String user, String clientAddress, String sqlError, Integer versionNum,
            String version, Map<String, String> settings, Integer walSendersInUse, Integer slotsInUse,
            Boolean rolReplication, Boolean rolSuper, Probe replication, String slotName, SlotState slot,
            String applicationName) {
    }

    static List<Finding> evaluate(Facts f) {
        List<Finding> out = new ArrayList<>();
        sqlConnection(f, out);
        version(f, out);
        walLevel(f, out);
        walSenders(f, out);
        replicationSlots(f, out);
        replicationConnection(f, out);
        privilege(f, out);
        slot(f, out);
        maxSlotWalKeepSize(f, out);
        walKeepSize(f, out);
        synchronousStandbyNames(f, out);
        standbyMinimums(f, out);
        return out;
    }

    static long count(List<Finding> findings, Severity severity) {
        return findings.stream().filter(x -> x.severity() == severity).count();
    }

    private static void sqlConnection(Facts f, List<Finding> out) {
        if (f.sqlError() == null) {
            out.add(new Finding("sql connection", Severity.OK, "connected as " + f.user(),
                    "settings, usage and the role read from the catalogs", null));
            return;
        }
        // walstream itself needs only the replication connection: a missing SQL line makes the check partial.
        out.add(new Finding("sql connection", f.replication().connected() ? Severity.WARNING : Severity.ERROR,
                f.sqlError(), "without it, senders and slots in use and the role's attributes are unknown"
                + (f.replication().connected() ? "; settings come from SHOW over the replication connection" : ""),
                "let this role connect to a database for the check: pg_hba.conf 'host postgres " + f.user() + " "
                + hbaAddress(f) + " scram-sha-256', or give dbname= a database it may use"));
    }

    private static void version(Facts f, List<Finding> out) {
        if (f.versionNum() == null) {
            return;
        }
        if (f.versionNum() < MINIMUM_VERSION_NUM) {
            out.add(new Finding("server version", Severity.ERROR, f.version(), "walstream needs PostgreSQL 13 or later",
                    "upgrade the server to PostgreSQL 13 or later (or use pg_receivewal of its version)"));
        } else {
            out.add(new Finding("server version", Severity.OK, f.version(), "supported (13 or later)", null));
        }
    }

    private static void walLevel(Facts f, List<Finding> out) {
        String level = f.settings().get("wal_level");
        if (level == null) {
            return;
        }
        if ("minimal".equals(level)) {
            out.add(new Finding("wal_level", Severity.ERROR, level, "minimal WAL cannot feed a standby or an archive",
                    "wal_level = replica (postgresql.conf or ALTER SYSTEM; needs a restart, and max_wal_senders > 0)"));
        } else {
            out.add(new Finding("wal_level", Severity.OK, level, "enough for streaming replication", null));
        }
    }

    private static void walSenders(Facts f, List<Finding> out) {
        Integer max = integer(f.settings().get("max_wal_senders"));
        if (max == null) {
            return;
        }
        if (max == 0) {
            out.add(new Finding("max_wal_senders", Severity.ERROR, "0", "no replication connection is possible",
                    "max_wal_senders = 10 (needs a restart)"));
            return;
        }
        Integer used = f.walSendersInUse();
        if (used == null) {
            out.add(new Finding("max_wal_senders", Severity.OK, max + " (in use: unknown)",
                    "walstream needs one free", null));
            return;
        }
        int free = max - used;
        String observed = max + " (" + used + " in use, " + Math.max(free, 0) + " free)";
        if (free <= 0) {
            out.add(new Finding("max_wal_senders", Severity.ERROR, observed,
                    "all in use: walstream's connection would be refused (SQLSTATE 53300)",
                    "max_wal_senders = " + (used + 2) + " or more (needs a restart), or stop an unused client"));
        } else if (free == 1) {
            out.add(new Finding("max_wal_senders", Severity.WARNING, observed,
                    "walstream takes the last one: a reconnect while the old session lingers, a pg_basebackup or"
                    + " another standby would be refused", "max_wal_senders = " + (used + 2) + " (needs a restart)"));
        } else {
            out.add(new Finding("max_wal_senders", Severity.OK, observed, "room for walstream", null));
        }
    }

    private static void replicationSlots(Facts f, List<Finding> out) {
        Integer max = integer(f.settings().get("max_replication_slots"));
        if (max == null) {
            return;
        }
        boolean slotExists = f.slot() != null && f.slot().exists();
        boolean mustCreate = f.slotName() != null && !slotExists;
        Integer used = f.slotsInUse();
        int free = used == null ? max : max - used;
        String observed = max + (used == null ? " (in use: unknown)" : " (" + used + " in use, " + Math.max(free, 0)
                + " free)");
        String fix = "max_replication_slots = " + ((used == null ? max : used) + 2) + " (needs a restart)";
        if (mustCreate && free <= 0) {
            out.add(new Finding("max_replication_slots", Severity.ERROR, observed,
                    "no room to create slot " + f.slotName(), fix + ", or drop an unused slot"));
        } else if (f.slotName() == null && free <= 0) {
            out.add(new Finding("max_replication_slots", Severity.WARNING, observed,
                    "no slot can be created, so walstream must stream without one (see wal_keep_size)", fix));
        } else {
            out.add(new Finding("max_replication_slots", Severity.OK, observed,
                    slotExists ? "slot " + f.slotName() + " already has one" : "room for a walstream slot", null));
        }
    }

    private static void replicationConnection(Facts f, List<Finding> out) {
        Probe p = f.replication();
        String check = "replication connection";
        if (p.connected() || SqlState.INSUFFICIENT_PRIVILEGE.equals(p.sqlState())) {
            // 42501 comes after authentication: pg_hba.conf let it in, the role lacks REPLICATION (next finding).
            out.add(new Finding(check, Severity.OK, "allowed", "pg_hba.conf has a replication line for "
                    + f.user() + (f.clientAddress() == null ? "" : " from " + f.clientAddress()), null));
        } else if (SqlState.INVALID_AUTHORIZATION_SPECIFICATION.equals(p.sqlState())) {
            out.add(new Finding(check, Severity.ERROR, "no pg_hba.conf entry", p.error(),
                    "add to pg_hba.conf 'host replication " + f.user() + " " + hbaAddress(f)
                    + " scram-sha-256' (\"all\" does not match replication), then SELECT pg_reload_conf()"));
        } else if (SqlState.INVALID_PASSWORD.equals(p.sqlState())) {
            out.add(new Finding(check, Severity.ERROR, "password authentication failed", p.error(),
                    "give the password: password= in the conninfo, PGPASSWORD, or a ~/.pgpass line for database"
                    + " 'replication'"));
        } else if (SqlState.TOO_MANY_CONNECTIONS.equals(p.sqlState())) {
            // The sender limit is checked before authentication, so pg_hba.conf could not be tried.
            out.add(new Finding(check, Severity.ERROR, "refused: no free WAL sender", p.error(),
                    "raise max_wal_senders (see above); pg_hba.conf could not be checked"));
        } else {
            out.add(new Finding(check, Severity.ERROR, "failed", p.error(),
                    "check host, port, sslmode and credentials in the conninfo"));
        }
    }

    private static void privilege(Facts f, List<Finding> out) {
        String check = "replication privilege";
        String fix = "ALTER ROLE " + quoteIdent(f.user()) + " REPLICATION";
        if (f.rolReplication() != null) {
            if (Boolean.TRUE.equals(f.rolSuper())) {
                out.add(new Finding(check, Severity.OK, "superuser", "may replicate; a role with only REPLICATION"
                        + " and LOGIN is safer for a service", null));
            } else if (f.rolReplication()) {
                out.add(new Finding(check, Severity.OK, "REPLICATION", "the role may start a WAL sender", null));
            } else {
                out.add(new Finding(check, Severity.ERROR, "NOREPLICATION",
                        "the role may not start a WAL sender (SQLSTATE 42501)", fix));
            }
        } else if (SqlState.INSUFFICIENT_PRIVILEGE.equals(f.replication().sqlState())) {
            out.add(new Finding(check, Severity.ERROR, "NOREPLICATION", f.replication().error(), fix));
        } else if (f.replication().connected()) {
            out.add(new Finding(check, Severity.OK, "REPLICATION", "a WAL sender started", null));
        }
    }

    private static void slot(Facts f, List<Finding> out) {
        if (f.slotName() == null) {
            return;
        }
        String check = "slot " + f.slotName();
        SlotState s = f.slot();
        String literal = quoteLiteral(f.slotName());
        if (s == null) {
            out.add(new Finding(check, Severity.WARNING, "unknown",
                    "neither pg_replication_slots nor READ_REPLICATION_SLOT (15+) could be read", null));
            return;
        }
        if (!s.exists()) {
            out.add(new Finding(check, Severity.WARNING, "does not exist", "walstream receive cannot stream from it yet",
                    "walstream receive --slot " + f.slotName() + " --create-slot, or SELECT"
                    + " pg_create_physical_replication_slot(" + literal + ", true)"));
            return;
        }
        if (!"physical".equals(s.type())) {
            out.add(new Finding(check, Severity.ERROR, s.type(), "walstream streams from physical slots only",
                    "use another --slot name"));
            return;
        }
        String observed = (s.walStatus() == null ? "" : "wal_status " + s.walStatus() + ", ")
                + "restart_lsn " + (s.restartLsn() == null ? "none" : s.restartLsn())
                + (s.active() == null ? "" : s.active() ? ", active (pid " + s.activePid() + ")" : ", inactive");
        if ("lost".equals(s.walStatus())) {
            out.add(new Finding(check, Severity.ERROR, observed + (s.invalidationReason() == null ? ""
                    : ", invalidated: " + s.invalidationReason()),
                    "invalidated: the server removed WAL this slot needed, so streaming from it fails",
                    "SELECT pg_drop_replication_slot(" + literal + "); then walstream receive --slot " + f.slotName()
                    + " --create-slot (and walstream verify shows the gap); raise max_slot_wal_keep_size"));
        } else if ("unreserved".equals(s.walStatus())) {
            out.add(new Finding(check, Severity.WARNING, observed,
                    "past max_slot_wal_keep_size: the next checkpoint removes WAL it needs unless the receiver"
                    + " catches up", "start walstream receive now, or raise max_slot_wal_keep_size (reload)"));
        } else if (Boolean.TRUE.equals(s.active())) {
            out.add(new Finding(check, Severity.WARNING, observed,
                    "another client streams from it now; walstream would be refused (SQLSTATE 55006)",
                    "stop that client (pid " + s.activePid() + "), or use another --slot"));
        } else if ("extended".equals(s.walStatus())) {
            out.add(new Finding(check, Severity.WARNING, observed,
                    "holds more WAL than max_wal_size: its receiver is behind or stopped",
                    "make sure walstream receive runs; it releases WAL as it flushes"));
        } else {
            out.add(new Finding(check, Severity.OK, observed, s.restartLsn() == null
                    ? "reserves no WAL until first used" : "holds WAL until walstream has it", null));
        }
    }

    private static void maxSlotWalKeepSize(Facts f, List<Finding> out) {
        String v = f.settings().get("max_slot_wal_keep_size");
        if (v == null) {
            return;
        }
        String check = "max_slot_wal_keep_size";
        if (f.slotName() == null) {
            out.add(new Finding(check, Severity.OK, v, "no effect without a slot", null));
        } else if ("-1".equals(v)) {
            out.add(new Finding(check, Severity.INFO, "-1 (unlimited)",
                    "a stopped receiver makes the primary keep WAL until its disk fills",
                    "to bound it: max_slot_wal_keep_size = 50GB (reload); a slot past it is invalidated instead"));
        } else {
            Long safe = f.slot() == null ? null : f.slot().safeWalSize();
            out.add(new Finding(check, Severity.OK, v, "the slot is invalidated once it holds more"
                    + (safe == null ? "" : "; " + safe + " bytes of WAL can still be written before that"), null));
        }
    }

    private static void walKeepSize(Facts f, List<Finding> out) {
        String v = f.settings().get("wal_keep_size");
        if (v == null) {
            return;
        }
        if (f.slotName() != null) {
            out.add(new Finding("wal_keep_size", Severity.OK, v, "the slot keeps the WAL walstream needs", null));
        } else if ("0".equals(v)) {
            out.add(new Finding("wal_keep_size", Severity.WARNING, v,
                    "without a slot nothing keeps WAL walstream has not received: after a restart or a stall it"
                    + " may be gone (SQLSTATE 58P01)",
                    "use walstream receive --slot NAME --create-slot, or wal_keep_size = 1GB (reload)"));
        } else {
            out.add(new Finding("wal_keep_size", Severity.OK, v,
                    "the server keeps this much WAL for a receiver without a slot", null));
        }
    }

    private static void synchronousStandbyNames(Facts f, List<Finding> out) {
        String v = f.settings().get("synchronous_standby_names");
        if (v == null) {
            return;
        }
        String app = f.applicationName();
        String check = "synchronous_standby_names";
        String makeSync = "synchronous_standby_names = '" + app + "' (reload) and walstream receive --synchronous";
        if (v.isBlank()) {
            out.add(new Finding(check, Severity.INFO, "(empty)",
                    "asynchronous: commits do not wait for walstream", "for zero data loss: " + makeSync));
        } else if (isListed(v, app)) {
            out.add(new Finding(check, Severity.INFO, v, "application_name " + app
                    + " is listed: commits wait for walstream's flush; run it with --synchronous so they wait"
                    + " little, and keep it running or commits stall", null));
        } else {
            out.add(new Finding(check, Severity.INFO, v, "application_name " + app
                    + " is not listed: commits do not wait for walstream", "for zero data loss: " + makeSync));
        }
    }

    private static void standbyMinimums(Facts f, List<Finding> out) {
        for (String name : STANDBY_MINIMUMS) {
            String v = f.settings().get(name);
            if (v != null) {
                // Named apart from the headroom findings: max_wal_senders appears in both.
                out.add(new Finding("standby: " + name, Severity.INFO, v, "a hot standby needs at least the primary's"
                        + " value (below it, it refuses to start or pauses replay)",
                        "on each standby: " + name + " >= " + v));
            }
        }
    }

    private static final Pattern QUORUM = Pattern.compile("(?is)^\\s*(?:(?:FIRST|ANY)\\s+)?\\d+\\s*\\((.*)\\)\\s*$");

    /** The names in a synchronous_standby_names value ({@code [FIRST|ANY] N (a, "b")} or {@code a, b}), unquoted. */
    static List<String> standbyNames(String value) {
        Matcher m = QUORUM.matcher(value);
        String list = m.matches() ? m.group(1) : value;
        List<String> names = new ArrayList<>();
        StringBuilder name = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < list.length(); i++) {
            char c = list.charAt(i);
            if (c == '"') {
                if (quoted && i + 1 < list.length() && list.charAt(i + 1) == '"') {
                    name.append('"');
                    i++;
                } else {
                    quoted = !quoted;
                }
            } else if (c == ',' && !quoted) {
                names.add(name.toString().trim());
                name.setLength(0);
            } else {
                name.append(c);
            }
        }
        names.add(name.toString().trim());
        names.removeIf(String::isEmpty);
        return names;
    }

    /** PostgreSQL compares standby names case-insensitively, quoted or not; '*' matches any. */
    static boolean isListed(String value, String applicationName) {
        return standbyNames(value).stream().anyMatch(n -> n.equals("*") || n.equalsIgnoreCase(applicationName));
    }

    private static Integer integer(String v) {
        try {
            return v == null ? null : Integer.valueOf(v.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static String hbaAddress(Facts f) {
        if (f.clientAddress() == null) {
            return "CLIENT_ADDRESS/32";
        }
        return f.clientAddress() + (f.clientAddress().contains(":") ? "/128" : "/32");
    }

    private static String quoteIdent(String s) {
        return s.matches("[a-z_][a-z0-9_$]*") ? s : '"' + s.replace("\"", "\"\"") + '"';
    }

    private static String quoteLiteral(String s) {
        return "'" + s.replace("'", "''") + "'";
    }
}
