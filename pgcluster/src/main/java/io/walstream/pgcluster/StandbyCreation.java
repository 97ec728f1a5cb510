package io.walstream.pgcluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * A hot standby of a running primary ({@link PgCluster#createStandby}): a new cluster with the
 * primary's binaries, authentication, TLS and settings, its data directory from a
 * {@link BaseBackup}, then {@code standby.signal}, {@code primary_conninfo} when streaming,
 * {@code primary_slot_name} and {@code restore_command} as the {@link StandbyOptions} say.
 */
final class StandbyCreation {

    private StandbyCreation() {
    }

    static PgCluster create(PgCluster primary, StandbyOptions options) {
        primary.checkOpen();
        PgCluster.Builder b = PgCluster.builder().binaries(primary.binaries()).name(options.name())
                .auth(primary.auth()).password(primary.password()).tls(primary.tls() != null)
                .tlsRequired(primary.tlsRequired());
        primary.config().settings().forEach((k, v) -> {
            // the standby gets its own port, socket directory and certificate
            if (!k.equals("port") && !k.equals("unix_socket_directories") && !k.startsWith("ssl")) {
                b.setting(k, v);
            }
        });
        PgCluster standby = PgCluster.registered(b);
        try {
            if (options.slot() != null) {
                primary.createPhysicalSlot(options.slot());
            }
            ServerAccount account = primary.account();
            account.own(standby.clusterDir());
            boolean useBasebackup = switch (options.backupMethod()) {
                case PG_BASEBACKUP -> true;
                case LOW_LEVEL_API -> false;
                case AUTO -> primary.binaries().has("pg_basebackup");
            };
            BaseBackup backup = new BaseBackup(primary);
            if (useBasebackup) {
                backup.withTool(standby.dataDir(), options.slot());
            } else {
                backup.withLowLevelApi(standby.dataDir());
            }
            ConfigFiles config = standby.config();
            if (options.streaming()) {
                config.put("primary_conninfo", "host=127.0.0.1 port=" + primary.port() + " user="
                        + primary.superuser() + " password=" + primary.password() + " application_name="
                        + options.name() + (primary.tlsRequired() ? " sslmode=require" : ""));
            }
            if (options.slot() != null) {
                config.put("primary_slot_name", options.slot());
            }
            if (options.restoreCommand() != null) {
                config.put("restore_command", options.restoreCommand());
            }
            config.writeSettings();
            config.writeHba(primary.auth());
            standby.passwordStoredByBackup();
            Files.writeString(standby.dataDir().resolve("standby.signal"), "");
            account.own(standby.clusterDir());
            standby.start(options.waitUntilReady());
            return standby;
        } catch (IOException e) {
            standby.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            standby.close();
            throw e;
        }
    }
}
