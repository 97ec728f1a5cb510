package io.walstream.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;

/**
 * When we are root, pgcluster runs PostgreSQL as an unprivileged account, and the standby's restore_command runs
 * as that account too: it must be able to walk down to the archive and the JDK. Checked up front, because
 * otherwise the standby only waits forever for WAL that restore cannot read.
 */
final class ServerReach {

    private ServerReach() {
    }

    static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Every directory from / down to {@code dir} must let others through (o+x). */
    static void requireTraversable(Path dir, String what) throws IOException {
        for (Path p = dir.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                throw new IllegalStateException(p + " is closed to other accounts (no o+x), so the PostgreSQL server"
                        + " account cannot reach " + what + " under it");
            }
        }
    }
}
