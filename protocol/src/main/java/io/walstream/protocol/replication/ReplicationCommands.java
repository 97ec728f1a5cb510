package io.walstream.protocol.replication;

import io.walstream.protocol.Lsn;
import java.util.regex.Pattern;

/**
 * Builds the text of the physical replication commands, sent as a simple Query on a {@code replication=true}
 * connection. Slot names are always double-quoted (the replication parser folds unquoted names to lower case).
 */
public final class ReplicationCommands {

    /** CREATE_REPLICATION_SLOT takes a parenthesized option list from PostgreSQL 15 on. */
    public static final int OPTION_LIST_SYNTAX_VERSION = 150000;
    public static final int TEMPORARY_SLOT_VERSION = 100000;
    public static final int RESERVE_WAL_VERSION = 90600;
    public static final int READ_REPLICATION_SLOT_VERSION = 150000;

    private static final Pattern PARAMETER_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?");

    private ReplicationCommands() {
    }

    public static String identifySystem() {
        return "IDENTIFY_SYSTEM";
    }

    /** {@code SHOW name} (PostgreSQL 10+), for a plain parameter name such as {@code wal_segment_size}. */
    public static String show(String parameterName) {
        if (parameterName == null || !PARAMETER_NAME.matcher(parameterName).matches()) {
            throw new IllegalArgumentException("parameter name: \"" + parameterName + "\" (expected: letters, digits, '_', optionally one '.')");
        }
        return "SHOW " + parameterName;
    }

    public static String timelineHistory(int timeline) {
        return "TIMELINE_HISTORY " + checkTimeline(timeline);
    }

    /**
     * {@code CREATE_REPLICATION_SLOT "name" [TEMPORARY] PHYSICAL} with RESERVE_WAL in the syntax {@code serverVersionNum}
     * understands: {@code (RESERVE_WAL)} from 15 on, the bare keyword before.
     *
     * @throws IllegalArgumentException if the server is too old for what is asked
     */
    public static String createPhysicalReplicationSlot(String slotName, boolean temporary, boolean reserveWal, int serverVersionNum) {
        if (temporary && serverVersionNum < TEMPORARY_SLOT_VERSION) {
            throw new IllegalArgumentException("TEMPORARY replication slots need PostgreSQL 10 or later (server_version_num: " + serverVersionNum + ")");
        }
        if (reserveWal && serverVersionNum < RESERVE_WAL_VERSION) {
            throw new IllegalArgumentException("RESERVE_WAL needs PostgreSQL 9.6 or later (server_version_num: " + serverVersionNum + ")");
        }
        StringBuilder sb = new StringBuilder("CREATE_REPLICATION_SLOT ").append(quoteIdentifier(slotName));
        if (temporary) {
            sb.append(" TEMPORARY");
        }
        sb.append(" PHYSICAL");
        if (reserveWal) {
            sb.append(serverVersionNum >= OPTION_LIST_SYNTAX_VERSION ? " (RESERVE_WAL)" : " RESERVE_WAL");
        }
        return sb.toString();
    }

    /** {@code READ_REPLICATION_SLOT "name"} (PostgreSQL 15+). */
    public static String readReplicationSlot(String slotName) {
        return "READ_REPLICATION_SLOT " + quoteIdentifier(slotName);
    }

    /** {@code DROP_REPLICATION_SLOT "name" [WAIT]}; WAIT blocks while another connection uses the slot. */
    public static String dropReplicationSlot(String slotName, boolean waitUntilInactive) {
        return "DROP_REPLICATION_SLOT " + quoteIdentifier(slotName) + (waitUntilInactive ? " WAIT" : "");
    }

    /**
     * {@code START_REPLICATION [SLOT "s"] PHYSICAL X/X [TIMELINE n]}.
     *
     * @param slotName null to stream without a slot
     * @param timeline 0 to stream the server's current timeline (no TIMELINE clause)
     */
    public static String startPhysicalReplication(String slotName, Lsn start, int timeline) {
        StringBuilder sb = new StringBuilder("START_REPLICATION ");
        if (slotName != null) {
            sb.append("SLOT ").append(quoteIdentifier(slotName)).append(' ');
        }
        sb.append("PHYSICAL ").append(start);
        if (timeline != 0) {
            sb.append(" TIMELINE ").append(Integer.toUnsignedString(timeline));
        }
        return sb.toString();
    }

    /** Double-quotes an identifier, doubling embedded double quotes: {@code My"Slot} becomes {@code "My""Slot"}. */
    public static String quoteIdentifier(String identifier) {
        if (identifier == null || identifier.isEmpty()) {
            throw new IllegalArgumentException("identifier: \"" + identifier + "\" (expected: non-empty)");
        }
        if (identifier.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("identifier contains a NUL character");
        }
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    private static String checkTimeline(int timeline) {
        if (timeline == 0) {
            throw new IllegalArgumentException("timeline: 0 (expected: >= 1)");
        }
        return Integer.toUnsignedString(timeline);
    }
}
