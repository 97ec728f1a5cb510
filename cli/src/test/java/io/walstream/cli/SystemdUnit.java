package io.walstream.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    /** Sections and directives systemd knows that a unit like ours may use (systemd.unit, .service, .exec, .kill). */
    private static final Map<String, Set<String>> DIRECTIVES = Map.of(
            "Unit", Set.of("Description", "Documentation", "Wants", "Requires", "Requisite", "BindsTo", "PartOf",
                    "Upholds", "Conflicts", "Before", "After", "OnFailure", "OnSuccess", "StartLimitIntervalSec",
                    "StartLimitBurst", "StartLimitAction", "ConditionPathExists", "AssertPathExists",
                    "DefaultDependencies"),
            "Service", Set.of("Type", "User", "Group", "EnvironmentFile", "Environment", "ExecStartPre", "ExecStart",
                    "ExecStartPost", "ExecReload", "ExecStop", "ExecStopPost", "KillSignal", "KillMode",
                    "SendSIGKILL", "FinalKillSignal", "TimeoutStartSec", "TimeoutStopSec", "TimeoutSec", "Restart",
                    "RestartSec", "RestartPreventExitStatus", "SuccessExitStatus", "StateDirectory",
                    "StateDirectoryMode", "LogsDirectory", "RuntimeDirectory", "ConfigurationDirectory",
                    "WorkingDirectory", "NoNewPrivileges", "PrivateTmp", "PrivateDevices", "ProtectSystem",
                    "ProtectHome", "ReadWritePaths", "ReadOnlyPaths", "LimitNOFILE", "UMask", "WatchdogSec",
                    "MemoryMax", "CPUQuota", "Nice", "SyslogIdentifier", "StandardOutput", "StandardError"),
            "Install", Set.of("WantedBy", "RequiredBy", "Alias", "Also"));
    private static final Set<String> BOOLEANS = Set.of("NoNewPrivileges", "PrivateTmp", "PrivateDevices",
            "SendSIGKILL", "DefaultDependencies");
    private static final Set<String> TIME_SPANS = Set.of("StartLimitIntervalSec", "TimeoutStartSec",
            "TimeoutStopSec", "TimeoutSec", "RestartSec", "WatchdogSec");
    private static final Pattern TIME_SPAN = Pattern.compile("infinity|(\\d+(\\.\\d+)?\\s*(us|usec|ms|msec|s|sec|seconds?"
            + "|m|min|minutes?|h|hr|hours?|d|days?|w|weeks?)?\\s*)+");
    private static final Map<String, Set<String>> CHOICES = Map.of(
            "Type", Set.of("simple", "exec", "forking", "oneshot", "dbus", "notify", "notify-reload", "idle"),
            "Restart", Set.of("no", "always", "on-success", "on-failure", "on-abnormal", "on-abort", "on-watchdog"),
            "KillMode", Set.of("control-group", "mixed", "process", "none"),
            "ProtectSystem", Set.of("yes", "no", "true", "false", "full", "strict"),
            "ProtectHome", Set.of("yes", "no", "true", "false", "read-only", "tmpfs"));

    /**
     * What systemd would reject or ignore in {@code unit}, checked without systemd: sections and directives it does
     * not know (a typo is ignored with a warning, so the setting silently does not apply), values it cannot parse,
     * and the directives a service unit needs. Empty when the unit is fine.
     */
    static List<String> problems(String unit) {
        List<String> problems = new ArrayList<>();
        Map<String, List<String>> seen = new LinkedHashMap<>();
        String section = null;
        List<String> lines = unit.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            int number = i + 1;
            StringBuilder joined = new StringBuilder(lines.get(i));
            while (joined.toString().endsWith("\\") && i + 1 < lines.size()) { // a continuation line
                joined.setLength(joined.length() - 1);
                joined.append(' ').append(lines.get(++i));
            }
            String t = joined.toString().strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
                continue;
            }
            if (t.startsWith("[") && t.endsWith("]")) {
                section = t.substring(1, t.length() - 1);
                if (!DIRECTIVES.containsKey(section)) {
                    problems.add("line " + number + ": unknown section [" + section + "]");
                }
                continue;
            }
            int eq = t.indexOf('=');
            if (section == null || eq <= 0) {
                problems.add("line " + number + ": not a key=value line in a section: " + t);
                continue;
            }
            String key = t.substring(0, eq).strip();
            String value = t.substring(eq + 1).strip();
            seen.computeIfAbsent(section, s -> new ArrayList<>()).add(key);
            if (DIRECTIVES.containsKey(section) && !DIRECTIVES.get(section).contains(key)) {
                problems.add("line " + number + ": unknown key " + key + " in [" + section + "]");
            } else if (BOOLEANS.contains(key) && !value.matches("yes|no|true|false|on|off|1|0")) {
                problems.add("line " + number + ": " + key + " is not a boolean: " + value);
            } else if (TIME_SPANS.contains(key) && !TIME_SPAN.matcher(value).matches()) {
                problems.add("line " + number + ": " + key + " is not a time span: " + value);
            } else if (CHOICES.containsKey(key) && !CHOICES.get(key).contains(value)) {
                problems.add("line " + number + ": " + key + " is none of " + CHOICES.get(key) + ": " + value);
            } else if (key.equals("KillSignal") && !value.matches("SIG[A-Z0-9+-]+|\\d+")) {
                problems.add("line " + number + ": KillSignal is not a signal: " + value);
            } else if (key.startsWith("Exec") && !value.replaceFirst("^[-@:+!]+", "").startsWith("/")) {
                problems.add("line " + number + ": " + key + " does not start with an absolute path: " + value);
            } else if (key.endsWith("DirectoryMode") && !value.matches("[0-7]{3,4}")) {
                problems.add("line " + number + ": " + key + " is not an octal mode: " + value);
            } else if (key.equals("StartLimitBurst") && !value.matches("\\d+")) {
                problems.add("line " + number + ": StartLimitBurst is not a number: " + value);
            }
        }
        for (String[] required : new String[][] {{"Unit", "Description"}, {"Service", "ExecStart"},
                {"Install", "WantedBy"}}) {
            if (!seen.getOrDefault(required[0], List.of()).contains(required[1])) {
                problems.add("no " + required[1] + "= in [" + required[0] + "]");
            }
        }
        return problems;
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
