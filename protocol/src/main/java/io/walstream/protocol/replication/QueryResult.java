package io.walstream.protocol.replication;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.message.backend.DataRow;
import io.walstream.protocol.message.backend.RowDescription;
import java.util.List;
import java.util.Objects;

/**
 * The RowDescription and DataRows a command returned, with text-format accessors by column name that fail with an
 * {@link UnexpectedResultException} naming the command. Holds no network buffers.
 */
public record QueryResult(String command, RowDescription description, List<DataRow> rows) {

    public QueryResult {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(description, "description");
        rows = List.copyOf(rows);
        for (DataRow row : rows) {
            if (row.size() != description.fields().size()) {
                throw new UnexpectedResultException(command + " result: a row has " + row.size() + " columns (expected: "
                    + description.fields().size() + ")");
            }
        }
    }

    /** The only row; fails if there are none or several. */
    public DataRow singleRow() {
        if (rows.size() != 1) {
            throw new UnexpectedResultException(command + " result: " + rows.size() + " rows (expected: 1)");
        }
        return rows.get(0);
    }

    public int column(String name) {
        int index = description.indexOf(name);
        if (index < 0) {
            throw new UnexpectedResultException(command + " result has no column \"" + name + "\" (columns: " + description.names() + ")");
        }
        return index;
    }

    /** The text of column {@code name} in {@code row}, or null for SQL NULL. */
    public String text(DataRow row, String name) {
        return row.text(column(name));
    }

    public String requireText(DataRow row, String name) {
        String value = text(row, name);
        if (value == null) {
            throw new UnexpectedResultException(command + " result: column \"" + name + "\" is NULL");
        }
        return value;
    }

    /** Column {@code name} as an LSN, or null for SQL NULL. */
    public Lsn lsn(DataRow row, String name) {
        String value = text(row, name);
        if (value == null) {
            return null;
        }
        try {
            return Lsn.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UnexpectedResultException(command + " result: column \"" + name + "\": " + e.getMessage(), e);
        }
    }

    /** Column {@code name} as a timeline ID (1 to 2^32-1), or 0 for SQL NULL. */
    public int timeline(DataRow row, String name) {
        String value = text(row, name);
        if (value == null) {
            return 0;
        }
        try {
            long tli = Long.parseLong(value);
            if (tli < 1 || tli > 0xFFFF_FFFFL) {
                throw new NumberFormatException("out of range");
            }
            return (int) tli;
        } catch (NumberFormatException e) {
            throw new UnexpectedResultException(command + " result: column \"" + name + "\": invalid timeline \"" + value + "\"", e);
        }
    }
}
