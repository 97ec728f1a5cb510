package io.walstream.protocol;

/** The SQLSTATE codes walstream reacts to (PostgreSQL's errcodes.txt), and the class test. */
public final class SqlState {

    public static final String PROTOCOL_VIOLATION = "08P01";
    public static final String FEATURE_NOT_SUPPORTED = "0A000";
    public static final String INVALID_AUTHORIZATION_SPECIFICATION = "28000";
    public static final String INVALID_PASSWORD = "28P01";
    public static final String INSUFFICIENT_PRIVILEGE = "42501";
    public static final String UNDEFINED_OBJECT = "42704";
    public static final String DUPLICATE_OBJECT = "42710";
    public static final String TOO_MANY_CONNECTIONS = "53300";
    public static final String OBJECT_IN_USE = "55006";
    public static final String QUERY_CANCELED = "57014";
    public static final String ADMIN_SHUTDOWN = "57P01";
    public static final String CANNOT_CONNECT_NOW = "57P03";
    /** Also "requested WAL segment ... has already been removed". */
    public static final String UNDEFINED_FILE = "58P01";

    /** Class 28, invalid authorization specification. */
    public static final String CLASS_INVALID_AUTHORIZATION = "28";

    private SqlState() {
    }

    /** True if {@code sqlState} is in the two-character class {@code sqlClass}. */
    public static boolean isClass(String sqlState, String sqlClass) {
        return sqlState != null && sqlState.length() == 5 && sqlState.startsWith(sqlClass);
    }
}
