package io.walstream.pgcluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * SQL as the cluster's superuser through pgjdbc, so that no psql is needed: connections (normal
 * and replication), statements, rows as text, and quoting for the statements built here.
 * Failures carry the end of the server log.
 */
final class SuperuserSql {

    private final PgCluster cluster;

    SuperuserSql(PgCluster cluster) {
        this.cluster = cluster;
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}. */
    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + cluster.port() + "/" + database;
    }

    /** A superuser connection with extra pgjdbc properties (they may override user and password). */
    Connection connect(Properties extra) {
        cluster.checkOpen();
        Properties p = new Properties();
        p.setProperty("user", cluster.superuser());
        p.setProperty("password", cluster.password());
        p.setProperty("sslmode", cluster.tlsRequired() ? "require" : "disable");
        p.setProperty("connectTimeout", "30");
        // pgjdbc sends the replication startup parameter only when it may assume a server >= 9.4.
        p.setProperty("assumeMinServerVersion", "10");
        p.putAll(extra);
        try {
            return DriverManager.getConnection(jdbcUrl(p.getProperty("dbname", "postgres")), p);
        } catch (SQLException e) {
            throw cluster.failure("cannot connect: " + e.getMessage(), e);
        }
    }

    /** A physical replication connection ({@code replication=true}, simple query protocol). */
    Connection replicationConnection() {
        Properties p = new Properties();
        p.setProperty("replication", "true");
        p.setProperty("preferQueryMode", "simple");
        return connect(p);
    }

    /** Runs statements, each in its own autocommit transaction. */
    void execute(String... sql) {
        try (Connection c = connect(new Properties()); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        } catch (SQLException e) {
            throw cluster.failure("SQL failed: " + e.getMessage(), e);
        }
    }

    /** Rows of a query as text (SQL NULL as Java null); parameters are bound as text. */
    List<List<String>> query(String sql, Object... params) {
        try (Connection c = connect(new Properties())) {
            return query(c, sql, params);
        } catch (SQLException e) {
            throw cluster.failure("SQL failed: " + e.getMessage() + " (" + sql + ")", e);
        }
    }

    /** Rows of a query as text on a connection the caller holds (SQL NULL as Java null). */
    static List<List<String>> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<List<String>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>(columns);
                    for (int i = 1; i <= columns; i++) {
                        row.add(rs.getString(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /** The first column of the first row; no row is a failure. */
    String queryString(String sql, Object... params) {
        List<List<String>> rows = query(sql, params);
        if (rows.isEmpty()) {
            throw cluster.failure("no row from " + sql);
        }
        return rows.get(0).get(0);
    }

    /** A file below the data directory as the server reads it ({@code pg_read_binary_file}). */
    byte[] readServerFile(String relativePath) {
        try (Connection c = connect(new Properties());
                PreparedStatement s = c.prepareStatement("SELECT pg_read_binary_file(?)")) {
            s.setString(1, relativePath);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getBytes(1);
            }
        } catch (SQLException e) {
            throw cluster.failure("cannot read " + relativePath + ": " + e.getMessage(), e);
        }
    }

    static String quoteIdentifier(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    static String quoteLiteral(String literal) {
        return "'" + literal.replace("'", "''") + "'";
    }
}
