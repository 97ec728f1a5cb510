package io.walstream.pgcluster;

/** {@code pg_ctl stop -m}: fast ends sessions and checkpoints; immediate skips the checkpoint (crash recovery at next start). */
public enum StopMode {
    SMART, FAST, IMMEDIATE
}
