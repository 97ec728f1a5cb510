package io.walstream.cli;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * curl, the documented restore_command for {@code walstream serve}: found on PATH (or {@code CURL}); its absence
 * fails the test that needs it, naming the install line, rather than skipping it.
 */
final class Curl {

    private Curl() {
    }

    static String path() {
        String given = System.getenv("CURL");
        if (given != null && Files.isExecutable(Path.of(given))) {
            return given;
        }
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "curl");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("curl is needed for the restore_command of walstream serve and was not found on "
                + "PATH: install it (Debian/Ubuntu: apt-get install -y curl) or set CURL=/path/to/curl");
    }
}
