package io.walstream.replaysim;

/** The recovery conflict kinds, as the {@code pg_stat_database_conflicts} columns name them. */
public enum ConflictType {
    TABLESPACE("confl_tablespace"),
    LOCK("confl_lock"),
    SNAPSHOT("confl_snapshot"),
    BUFFERPIN("confl_bufferpin"),
    DEADLOCK("confl_deadlock"),
    /** Sessions of a dropped database are terminated but not counted anywhere. */
    DATABASE("(not counted)");

    public final String column;

    ConflictType(String column) {
        this.column = column;
    }
}
