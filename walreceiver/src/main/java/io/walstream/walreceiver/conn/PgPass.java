package io.walstream.walreceiver.conn;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A libpq password file ({@code ~/.pgpass}): lines of {@code hostname:port:database:username:password},
 * where a field of just {@code *} matches anything, {@code \:} and {@code \\} are escapes, lines
 * starting with {@code #} are comments, and the first matching line wins.
 */
public final class PgPass {

    private static final Logger log = LoggerFactory.getLogger(PgPass.class);

    private static final PgPass EMPTY = new PgPass(List.of());

    private static final Set<PosixFilePermission> GROUP_OR_WORLD = EnumSet.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final List<String> lines;

    private PgPass(List<String> lines) {
        this.lines = lines;
    }

    /**
     * Reads a password file the way libpq's passwordFromFile() does: a missing or unreadable file
     * is silently empty; a file that is not a plain file, or that the group or others may access
     * (anything beyond 0600), is ignored with a warning.
     */
    public static PgPass load(Path file) {
        if (!Files.exists(file)) {
            return EMPTY;
        }
        if (!Files.isRegularFile(file)) {
            log.warn("password file \"{}\" is not a plain file", file);
            return EMPTY;
        }
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            if (permissions.stream().anyMatch(GROUP_OR_WORLD::contains)) {
                log.warn("password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
                        file);
                return EMPTY;
            }
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system (Windows): libpq does not check permissions there either.
        } catch (IOException e) {
            log.debug("cannot read the permissions of password file \"{}\": {}", file, e.toString());
            return EMPTY;
        }
        try {
            return parse(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            log.debug("cannot read password file \"{}\": {}", file, e.toString());
            return EMPTY;
        }
    }

    /** The contents of a password file, already read. */
    public static PgPass parse(String contents) {
        return new PgPass(List.of(contents.split("\n", -1)));
    }

    /**
     * The password of the first line matching these connection values. For a Unix-socket host,
     * a line for {@code localhost} matches as well as one naming the socket directory (libpq maps
     * only its compiled-in default socket directory to {@code localhost}; we have none, so any).
     */
    public Optional<String> find(String host, int port, String dbname, String user) {
        String portText = Integer.toString(port);
        boolean unixSocket = host.startsWith("/") || host.startsWith("@");
        for (String rawLine : lines) {
            String line = stripTrailingCrLf(rawLine);
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int passwordStart = matchFields(line, host, portText, dbname, user);
            if (passwordStart < 0 && unixSocket) {
                passwordStart = matchFields(line, "localhost", portText, dbname, user);
            }
            if (passwordStart >= 0) {
                return Optional.of(password(line, passwordStart));
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return "PgPass{" + lines.size() + " lines}";
    }

    private static int matchFields(String line, String... tokens) {
        int at = 0;
        for (String token : tokens) {
            at = matchField(line, at, token);
            if (at < 0) {
                return -1;
            }
        }
        return at;
    }

    /**
     * libpq's pwdfMatchesString(): the field at {@code start} matches when it is exactly
     * {@code *} or equals the token after removing backslash escapes. Returns the index after
     * the field's terminating ':' or -1. As in libpq, an unescaped ':' may match a ':' in the
     * token, so IPv6 addresses work unescaped.
     */
    private static int matchField(String line, int start, String token) {
        if (line.startsWith("*:", start)) {
            return start + 2;
        }
        int i = start;
        int t = 0;
        while (i < line.length()) {
            boolean escaped = false;
            if (line.charAt(i) == '\\') {
                i++;
                escaped = true;
                if (i == line.length()) {
                    return -1;
                }
            }
            char c = line.charAt(i);
            if (c == ':' && !escaped && t == token.length()) {
                return i + 1;
            }
            if (t == token.length() || c != token.charAt(t)) {
                return -1;
            }
            i++;
            t++;
        }
        return -1;
    }

    /** The rest of the line up to an unescaped ':', with backslash escapes removed. */
    private static String password(String line, int start) {
        StringBuilder password = new StringBuilder();
        for (int i = start; i < line.length() && line.charAt(i) != ':'; i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                c = line.charAt(++i);
            }
            password.append(c);
        }
        return password.toString();
    }

    private static String stripTrailingCrLf(String line) {
        int end = line.length();
        while (end > 0 && (line.charAt(end - 1) == '\r' || line.charAt(end - 1) == '\n')) {
            end--;
        }
        return line.substring(0, end);
    }
}
