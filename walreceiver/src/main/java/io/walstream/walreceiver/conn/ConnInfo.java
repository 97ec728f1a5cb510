package io.walstream.walreceiver.conn;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed libpq connection string: either {@code keyword=value} pairs or a
 * {@code postgresql://} URI, as {@code PQconninfoParse()} accepts them. Keywords and values are
 * checked like libpq checks them; nothing is defaulted here (see {@link ConnectionSettings#resolve}).
 */
public final class ConnInfo {

    /**
     * Every keyword we accept, mapped to the environment variable libpq reads as its default
     * (null when libpq has none). {@code requiressl} is accepted too, but stored as {@code sslmode}.
     */
    static final Map<String, String> KEYWORD_ENV_VARS = keywordEnvVars();

    /** Keywords that {@link ConnectionSettings} keeps verbatim in its {@code options} map. */
    static final Set<String> OTHER_KEYWORDS = Set.of(
            "options", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
            "tcp_user_timeout", "target_session_attrs", "gssencmode", "sslnegotiation");

    private static final Set<String> INTEGER_KEYWORDS = Set.of(
            "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
            "keepalives_count", "tcp_user_timeout");

    private final Map<String, String> values;

    private ConnInfo(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /**
     * Parses a conninfo string: a URI when it starts with {@code postgresql://} or
     * {@code postgres://} (case-sensitive, like libpq), else keyword/value pairs.
     */
    public static ConnInfo parse(String conninfo) {
        if (conninfo.startsWith("postgresql://")) {
            return new ConnInfo(parseUri(conninfo, "postgresql://".length()));
        }
        if (conninfo.startsWith("postgres://")) {
            return new ConnInfo(parseUri(conninfo, "postgres://".length()));
        }
        return new ConnInfo(parseKeywordValue(conninfo));
    }

    /** Checks keywords given one by one (e.g. from command-line flags) the way parse() does. */
    public static ConnInfo of(Map<String, String> keywordValues) {
        Map<String, String> values = new LinkedHashMap<>();
        keywordValues.forEach((keyword, value) -> {
            if (value != null) {
                store(values, keyword, value, "invalid connection option \"" + keyword + "\"");
            }
        });
        return new ConnInfo(values);
    }

    /** Keyword to value, in the order given; a repeated keyword keeps its last value, like libpq. */
    public Map<String, String> values() {
        return values;
    }

    public Optional<String> get(String keyword) {
        return Optional.ofNullable(values.get(keyword));
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("ConnInfo{");
        values.forEach((keyword, value) -> text.append(text.length() > 9 ? ", " : "").append(keyword).append('=')
                .append(keyword.equals("password") ? "<redacted>" : value));
        return text.append('}').toString();
    }

    // ---- keyword/value form (libpq's conninfo_parse) ------------------------------------------

    private static Map<String, String> parseKeywordValue(String s) {
        Map<String, String> values = new LinkedHashMap<>();
        int n = s.length();
        int i = 0;
        // A space in an unquoted password, or a doubled quote ('it''s') in a quoted one, splits
        // it: the rest then looks like a keyword. Error messages must not echo that piece.
        boolean afterPassword = false;
        while (i < n) {
            if (isSpace(s.charAt(i))) {
                i++;
                continue;
            }
            int nameStart = i;
            while (i < n && s.charAt(i) != '=' && !isSpace(s.charAt(i))) {
                i++;
            }
            String name = s.substring(nameStart, i);
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            String where = afterPassword
                    ? "at position " + (nameStart + 1) + ", after the password value"
                            + " (quote values that contain spaces, and write a quote inside quotes as \\')"
                    : null;
            if (i == n || s.charAt(i) != '=') {
                throw new ConnInfoException(where != null
                        ? "missing \"=\" " + where
                        : "missing \"=\" after \"" + name + "\" in connection info string (position " + (nameStart + 1) + ")");
            }
            i++;
            while (i < n && isSpace(s.charAt(i))) {
                i++;
            }
            StringBuilder value = new StringBuilder();
            boolean quoted = i < n && s.charAt(i) == '\'';
            if (quoted) {
                // Inside quotes a backslash escapes the next character (\' and \\), as in libpq.
                i++;
                while (true) {
                    if (i == n) {
                        throw new ConnInfoException("unterminated quoted string in connection info string");
                    }
                    char c = s.charAt(i++);
                    if (c == '\'') {
                        break;
                    }
                    if (c == '\\' && i < n) {
                        c = s.charAt(i++);
                    }
                    value.append(c);
                }
            } else {
                // Unquoted values end at whitespace; backslash escapes work here too (even "\ ").
                while (i < n && !isSpace(s.charAt(i))) {
                    char c = s.charAt(i++);
                    if (c == '\\') {
                        if (i < n) {
                            value.append(s.charAt(i++));
                        }
                    } else {
                        value.append(c);
                    }
                }
            }
            store(values, name, value.toString(), where != null
                    ? "invalid connection option " + where
                    : "invalid connection option \"" + name + "\"");
            afterPassword = name.equals("password");
        }
        return values;
    }

    /** libpq uses C isspace(). */
    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
    }

    // ---- URI form (libpq's conninfo_uri_parse_options) ----------------------------------------

    private static Map<String, String> parseUri(String uri, int start) {
        Map<String, String> values = new LinkedHashMap<>();
        int n = uri.length();
        // Like libpq, "user[:password]@" is present when an '@' comes before any '/'.
        int p = start;
        while (p < n && uri.charAt(p) != '@' && uri.charAt(p) != '/') {
            p++;
        }
        if (p < n && uri.charAt(p) == '@') {
            int at = p;
            int userEnd = start;
            while (userEnd < at && uri.charAt(userEnd) != ':') {
                userEnd++;
            }
            storeIfNotEmpty(values, "user", uri.substring(start, userEnd));
            if (userEnd < at) {
                storeIfNotEmpty(values, "password", uri.substring(userEnd + 1, at));
            }
            p = at + 1;
        } else {
            p = start;
        }

        // host[:port] pairs separated by commas; IPv6 literals in brackets.
        StringBuilder hosts = new StringBuilder();
        StringBuilder ports = new StringBuilder();
        char terminator;
        while (true) {
            if (p < n && uri.charAt(p) == '[') {
                int hostStart = ++p;
                while (p < n && uri.charAt(p) != ']') {
                    p++;
                }
                if (p == n) {
                    throw new ConnInfoException(
                            "end of string reached when looking for matching \"]\" in IPv6 host address in URI");
                }
                if (p == hostStart) {
                    throw new ConnInfoException("IPv6 host address may not be empty in URI");
                }
                hosts.append(uri, hostStart, p);
                p++;
                if (p < n && ":/?,".indexOf(uri.charAt(p)) < 0) {
                    throw new ConnInfoException("unexpected character \"" + uri.charAt(p) + "\" at position " + (p + 1)
                            + " in URI (expected \":\" or \"/\")");
                }
            } else {
                int hostStart = p;
                while (p < n && ":/?,".indexOf(uri.charAt(p)) < 0) {
                    p++;
                }
                hosts.append(uri, hostStart, p);
            }
            terminator = p < n ? uri.charAt(p) : 0;
            if (terminator == ':') {
                int portStart = ++p;
                while (p < n && "/?,".indexOf(uri.charAt(p)) < 0) {
                    p++;
                }
                ports.append(uri, portStart, p);
                terminator = p < n ? uri.charAt(p) : 0;
            }
            if (terminator != ',') {
                break;
            }
            p++;
            hosts.append(',');
            ports.append(',');
        }
        storeIfNotEmpty(values, "host", hosts.toString());
        storeIfNotEmpty(values, "port", ports.toString());

        if (terminator == '/') {
            int dbStart = ++p;
            while (p < n && uri.charAt(p) != '?') {
                p++;
            }
            // libpq skips an empty dbname so that the default still applies.
            storeIfNotEmpty(values, "dbname", uri.substring(dbStart, p));
            terminator = p < n ? '?' : 0;
        }
        if (terminator == '?') {
            parseQuery(uri, p + 1, values);
        }
        return values;
    }

    private static void storeIfNotEmpty(Map<String, String> values, String keyword, String encoded) {
        if (!encoded.isEmpty()) {
            store(values, keyword, percentDecode(encoded, keyword), "invalid connection option \"" + keyword + "\"");
        }
    }

    /** libpq's conninfo_uri_parse_params: key=value pairs separated by '&'. */
    private static void parseQuery(String uri, int start, Map<String, String> values) {
        int i = start;
        boolean afterPassword = false;
        while (i < uri.length()) {
            int end = uri.indexOf('&', i);
            if (end < 0) {
                end = uri.length();
            }
            String pair = uri.substring(i, end);
            // An unencoded '&' in a password splits it; don't echo the piece that follows.
            String shown = afterPassword
                    ? "at position " + (i + 1) + ", after the password parameter (percent-encode '&' as %26)"
                    : null;
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new ConnInfoException("missing key/value separator \"=\" in URI query parameter"
                        + (shown != null ? " " + shown : ": \"" + pair + "\""));
            }
            String key = percentDecode(pair.substring(0, eq), "query parameter name");
            if (pair.indexOf('=', eq + 1) >= 0) {
                throw new ConnInfoException("extra key/value separator \"=\" in URI query parameter"
                        + (shown != null ? " " + shown : ": \"" + key + "\""));
            }
            String value = percentDecode(pair.substring(eq + 1), key);
            if (key.equals("ssl") && value.equals("true")) {
                // libpq accepts JDBC's ssl=true as sslmode=require.
                key = "sslmode";
                value = "require";
            }
            store(values, key, value, "invalid URI query parameter" + (shown != null ? " " + shown : ": \"" + key + "\""));
            afterPassword = key.equals("password");
            i = end + 1;
        }
    }

    /** libpq's conninfo_uri_decode: %XX escapes anywhere, '+' stays '+', %00 is refused. */
    private static String percentDecode(String s, String what) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        // Never echo a password, even a malformed one.
        String shown = what.equals("password") ? "" : ": \"" + s + "\"";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        int i = 0;
        while (i < s.length()) {
            int percent = s.indexOf('%', i);
            if (percent < 0) {
                percent = s.length();
            }
            bytes.writeBytes(s.substring(i, percent).getBytes(StandardCharsets.UTF_8));
            if (percent == s.length()) {
                break;
            }
            int hi = percent + 2 < s.length() ? hexDigit(s.charAt(percent + 1)) : -1;
            int lo = hi >= 0 ? hexDigit(s.charAt(percent + 2)) : -1;
            if (lo < 0) {
                throw new ConnInfoException("invalid percent-encoded token in URI " + what + shown);
            }
            if (hi == 0 && lo == 0) {
                throw new ConnInfoException("forbidden value %00 in percent-encoded URI " + what + shown);
            }
            bytes.write(hi << 4 | lo);
            i = percent + 3;
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    // ---- keywords and values ------------------------------------------------------------------

    /** libpq's conninfo_storeval, plus the value checks libpq makes later when connecting. */
    private static void store(Map<String, String> values, String keyword, String value, String unknownKeywordMessage) {
        if (keyword.equals("requiressl")) {
            // Obsolete keyword; libpq maps a value starting with '1' to require, anything else to prefer.
            keyword = "sslmode";
            value = value.startsWith("1") ? "require" : "prefer";
        }
        if (!KEYWORD_ENV_VARS.containsKey(keyword)) {
            throw new ConnInfoException(unknownKeywordMessage);
        }
        checkValue(keyword, value);
        values.remove(keyword); // a repeated keyword moves to its latest position
        values.put(keyword, value);
    }

    /**
     * Rejects values libpq would reject (and the ones we cannot honour). Empty values mean "not
     * set", as pg_receivewal passes them to libpq, so they are always accepted.
     */
    static void checkValue(String keyword, String value) {
        if (value.isEmpty()) {
            return;
        }
        switch (keyword) {
            case "sslmode" -> SslMode.parse(value);
            case "channel_binding" -> ChannelBinding.parse(value);
            case "port" -> {
                for (String port : value.split(",", -1)) {
                    if (!port.isEmpty()) {
                        parsePort(port);
                    }
                }
            }
            case "replication" -> {
                String lower = value.toLowerCase(Locale.ROOT);
                if (lower.equals("database")) {
                    throw new ConnInfoException("replication=database (logical replication) is not supported:"
                            + " walstream opens physical replication connections only");
                }
                if (!Set.of("true", "on", "yes", "1").contains(lower)) {
                    throw new ConnInfoException("invalid replication value: \"" + value
                            + "\" (walstream always opens a physical replication connection; use true or leave it out)");
                }
            }
            case "service" -> throw new ConnInfoException("service files are not supported (service=\"" + value + "\")");
            case "gssencmode" -> {
                if (value.equals("require")) {
                    // What libpq says when built without GSSAPI, which is our situation.
                    throw new ConnInfoException(
                            "gssencmode value \"require\" invalid when GSSAPI support is not compiled in");
                }
                requireOneOf(keyword, value, "disable", "prefer");
            }
            case "sslnegotiation" -> requireOneOf(keyword, value, "postgres", "direct");
            case "target_session_attrs" -> requireOneOf(keyword, value,
                    "any", "read-write", "read-only", "primary", "standby", "prefer-standby");
            default -> {
                if (INTEGER_KEYWORDS.contains(keyword)) {
                    parseInt(keyword, value);
                }
            }
        }
    }

    private static void requireOneOf(String keyword, String value, String... allowed) {
        for (String candidate : allowed) {
            if (candidate.equals(value)) {
                return;
            }
        }
        throw new ConnInfoException("invalid " + keyword + " value: \"" + value + "\"");
    }

    /** libpq's pqParseIntParam: strtol() with only whitespace allowed around the number. */
    static int parseInt(String keyword, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new ConnInfoException("invalid integer value \"" + value + "\" for connection option \"" + keyword + "\"");
        }
    }

    static int parsePort(String value) {
        int port = parseInt("port", value);
        if (port < 1 || port > 65535) {
            throw new ConnInfoException("invalid port number: \"" + value + "\"");
        }
        return port;
    }

    private static Map<String, String> keywordEnvVars() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("host", "PGHOST");
        env.put("hostaddr", "PGHOSTADDR");
        env.put("port", "PGPORT");
        env.put("user", "PGUSER");
        env.put("password", "PGPASSWORD");
        env.put("passfile", "PGPASSFILE");
        // pg_receivewal always passes dbname=replication explicitly, so libpq never reads
        // PGDATABASE for it; we do the same (see ConnectionSettings.resolve).
        env.put("dbname", null);
        env.put("application_name", "PGAPPNAME");
        env.put("fallback_application_name", null);
        env.put("connect_timeout", "PGCONNECT_TIMEOUT");
        env.put("sslmode", "PGSSLMODE");
        env.put("sslrootcert", "PGSSLROOTCERT");
        env.put("sslcert", "PGSSLCERT");
        env.put("sslkey", "PGSSLKEY");
        env.put("channel_binding", "PGCHANNELBINDING");
        env.put("options", "PGOPTIONS");
        env.put("keepalives", null);
        env.put("keepalives_idle", null);
        env.put("keepalives_interval", null);
        env.put("keepalives_count", null);
        env.put("tcp_user_timeout", null);
        env.put("target_session_attrs", "PGTARGETSESSIONATTRS");
        env.put("replication", null);
        env.put("gssencmode", "PGGSSENCMODE");
        env.put("sslnegotiation", "PGSSLNEGOTIATION");
        env.put("service", "PGSERVICE");
        return Collections.unmodifiableMap(env);
    }
}
