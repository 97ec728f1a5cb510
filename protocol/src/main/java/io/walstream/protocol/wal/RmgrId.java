package io.walstream.protocol.wal;

/**
 * The built-in resource managers ({@code rmgrlist.h}), the same ids and names in 13–18, named as pg_waldump names
 * them. From 15 on, ids 128–255 are custom resource managers loaded by extensions.
 */
public enum RmgrId {
    XLOG("XLOG"),
    TRANSACTION("Transaction"),
    STORAGE("Storage"),
    CLOG("CLOG"),
    DATABASE("Database"),
    TABLESPACE("Tablespace"),
    MULTIXACT("MultiXact"),
    RELMAP("RelMap"),
    STANDBY("Standby"),
    HEAP2("Heap2"),
    HEAP("Heap"),
    BTREE("Btree"),
    HASH("Hash"),
    GIN("Gin"),
    GIST("Gist"),
    SEQUENCE("Sequence"),
    SPGIST("SPGist"),
    BRIN("BRIN"),
    COMMIT_TS("CommitTs"),
    REPLICATION_ORIGIN("ReplicationOrigin"),
    GENERIC("Generic"),
    LOGICAL_MESSAGE("LogicalMessage");

    /** {@code RM_MAX_BUILTIN_ID}: the highest built-in id, 21 in 13–18. */
    public static final int MAX_BUILTIN_ID = 21;
    /** {@code RM_MIN_CUSTOM_ID} (15+). */
    public static final int MIN_CUSTOM_ID = 128;

    private static final RmgrId[] BY_ID = values();

    private final String displayName;

    RmgrId(String displayName) {
        this.displayName = displayName;
    }

    /** The {@code xl_rmid} value. */
    public int id() {
        return ordinal();
    }

    /** The name pg_waldump prints. */
    public String displayName() {
        return displayName;
    }

    /** The built-in resource manager with this id, or null (custom or invalid). */
    public static RmgrId of(int rmid) {
        return rmid >= 0 && rmid < BY_ID.length ? BY_ID[rmid] : null;
    }

    /** The pg_waldump name of any id: a built-in name, or {@code custom###} for a custom one. */
    public static String nameOf(int rmid) {
        RmgrId builtin = of(rmid);
        return builtin != null ? builtin.displayName : String.format("custom%03d", rmid);
    }

    /**
     * {@code RM_MAX_ID} of a major version: 21 in 13 and 14; 255 from 15 on, where ids 22–127 are still invalid
     * (see {@link #isValid}).
     */
    public static int maxId(int major) {
        return major >= 15 ? 255 : MAX_BUILTIN_ID;
    }

    /** Whether a record of this major version may carry {@code rmid}, as xlogreader.c decides. */
    public static boolean isValid(int rmid, int major) {
        return rmid >= 0 && rmid <= MAX_BUILTIN_ID || major >= 15 && rmid >= MIN_CUSTOM_ID && rmid <= 255;
    }
}
