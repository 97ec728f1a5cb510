package io.walstream.pgcluster;

/**
 * How to build a hot standby of a primary.
 *
 * @param name           cluster name (directory and {@code application_name})
 * @param streaming      set {@code primary_conninfo}, so the standby streams from the primary
 * @param slot           physical slot the standby streams through (created on the primary), or null for none
 * @param restoreCommand {@code restore_command}, or null; e.g. {@code walstream restore %f %p -D DIR}
 * @param backupMethod   how the base backup is taken
 * @param waitUntilReady wait until the standby accepts read-only connections before returning
 */
public record StandbyOptions(String name, boolean streaming, String slot, String restoreCommand,
                             BackupMethod backupMethod, boolean waitUntilReady) {

    /** How the base backup is taken. */
    public enum BackupMethod {
        /** pg_basebackup when the binaries have it, else the low-level API. */
        AUTO,
        /** {@code pg_backup_start} (or {@code pg_start_backup} before 15), a file copy, then the stop call. */
        LOW_LEVEL_API,
        /** {@code pg_basebackup -X stream}; needs a full local install of the same major. */
        PG_BASEBACKUP
    }

    /** A streaming hot standby through its own slot, backup method chosen automatically. */
    public static StandbyOptions streaming(String name) {
        return new StandbyOptions(name, true, name + "_slot", null, BackupMethod.AUTO, true);
    }

    /** A hot standby whose only WAL source is {@code restoreCommand}; start does not wait for consistency. */
    public static StandbyOptions restoreOnly(String name, String restoreCommand) {
        return new StandbyOptions(name, false, null, restoreCommand, BackupMethod.AUTO, false);
    }

    public StandbyOptions withBackupMethod(BackupMethod method) {
        return new StandbyOptions(name, streaming, slot, restoreCommand, method, waitUntilReady);
    }

    public StandbyOptions withRestoreCommand(String command) {
        return new StandbyOptions(name, streaming, slot, command, backupMethod, waitUntilReady);
    }

    public StandbyOptions withSlot(String slotName) {
        return new StandbyOptions(name, streaming, slotName, restoreCommand, backupMethod, waitUntilReady);
    }

    public StandbyOptions withWaitUntilReady(boolean wait) {
        return new StandbyOptions(name, streaming, slot, restoreCommand, backupMethod, wait);
    }
}
