package io.walstream.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** packaging/systemd/walstream-receive.service, read as tests need them. */
final class SystemdUnit {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path UNIT = ROOT.resolve("packaging/systemd/walstream-receive.service");
    static final Path ENV_EXAMPLE = ROOT.resolve("packaging/systemd/receive.env.example");
    
    private SystemdUnit() {
    }

    /** The [Service] section's ExecStart, continuation lines joined, split on whitespace (it quotes nothing). */
    static List<String> execStart() {
        String joined = read(UNIT).replace("\\\n", " ");
        Matcher m = Pattern.compile("(?m)^ExecStart=(.*)$").matcher(joined);
        if (!m.find()) {
            throw new AssertionError("no ExecStart in " + UNIT);
        }
        return List.of(m.group(1).trim().split("\\s+"));
    }

    /** The value of the unit's {@code key=} line. */
    static String value(String key) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + "=(.*)$").matcher(read(UNIT));
        if (!m.find()) {
            throw new AssertionError("no " + key + "= in " + UNIT);
        }
        return m.group(1).trim();
    }

    /** The example EnvironmentFile's assignments. */
    static Map<String, String> envExample() {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : read(ENV_EXAMPLE).lines().toList()) {
            int eq = line.indexOf('=');
            if (!line.isBlank() && !line.startsWith("#") && eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
