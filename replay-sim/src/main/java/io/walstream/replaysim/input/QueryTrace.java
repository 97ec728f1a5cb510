package io.walstream.replaysim.input;

import io.walstream.replaysim.Block;
import io.walstream.replaysim.StandbyClients;
import io.walstream.replaysim.StandbyQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code simulate --queries FILE}: standby queries from a trace instead of Poisson arrivals. One query per line,
 * comma-separated: {@code start_s,duration_s[,db[,relations[,in_transaction[,pinned]]]]}: start in seconds from the
 * time origin, duration if nothing cancels it, database OID (empty: the default), the relations it reads separated by
 * {@code ;}, {@code true} when it runs inside an explicit transaction (a cancel is then FATAL), pages it keeps pinned
 * as {@code relation:block} separated by {@code ;} (a cursor stopped on a page: what makes a buffer-pin conflict).
 * Relations, also those of pinned pages, are written as {@link RelationNames} says: by pg_class OID unless told
 * otherwise. Lines starting with {@code #}, blank lines and a header starting with {@code start} are skipped. A
 * closed-loop clients' query mix ({@link #readMix}) has a weight in place of start and duration.
 */
public final class QueryTrace {

    /** A trace that cannot be read as queries: the file, and the line (0 when the whole file is at fault). */
    public static final class MalformedTraceException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;
        private final transient Path file;
        private final int line;

        MalformedTraceException(Path file, int line, String message, Throwable cause) {
            super(message, cause);
            this.file = file;
            this.line = line;
        }

        public Path file() {
            return file;
        }

        public int line() {
            return line;
        }
    }

    private QueryTrace() {
    }

    /**
     * The queries of the trace in {@code file}, numbered from 1 in line order; start times from {@code originMicros},
     * in database {@code defaultDb} where a line names none, relations by pg_class OID without a catalog.
     *
     * @throws MalformedTraceException when a line is not a query, or there is none
     */
    public static List<StandbyQuery> read(Path file, long originMicros, int defaultDb) throws IOException {
        return read(file, originMicros, defaultDb, RelationNames.OIDS);
    }

    /**
     * The queries of the trace in {@code file}, numbered from 1 in line order; start times from {@code originMicros},
     * in database {@code defaultDb} where a line names none, relations and pinned pages written as {@code names} says.
     *
     * @throws MalformedTraceException when a line is not a query, or there is none
     */
    public static List<StandbyQuery> read(Path file, long originMicros, int defaultDb, RelationNames names)
            throws IOException {
        List<StandbyQuery> queries = new ArrayList<>();
        parse(file, 2, "start_s,duration_s[,db[,relations[,in_transaction[,pinned]]]]", (f, kind) -> {
            long start = originMicros + Math.round(Double.parseDouble(f[0].strip()) * 1e6);
            long duration = Math.round(Double.parseDouble(f[1].strip()) * 1e6);
            queries.add(new StandbyQuery(queries.size() + 1, start, duration, kind.dbOid(), kind.relations(),
                    kind.inTransactionBlock(), kind.pinnedBlocks()));
        }, defaultDb, names);
        return queries;
    }

    /**
     * The query mix of closed-loop clients in {@code file}: one kind of query per line,
     * {@code weight[,db[,relations[,in_transaction[,pinned]]]]}, the fields after the weight as in a trace.
     *
     * @throws MalformedTraceException when a line is not a kind of query, or there is none
     */
    public static List<StandbyClients.QueryKind> readMix(Path file, int defaultDb, RelationNames names)
            throws IOException {
        List<StandbyClients.QueryKind> kinds = new ArrayList<>();
        parse(file, 1, "weight[,db[,relations[,in_transaction[,pinned]]]]", (f, kind) -> kinds.add(
                new StandbyClients.QueryKind(Double.parseDouble(f[0].strip()), kind.dbOid(), kind.relations(),
                        kind.inTransactionBlock(), kind.pinnedBlocks())), defaultDb, names);
        return kinds;
    }

    private interface LineHandler {
        void accept(String[] fields, StandbyClients.QueryKind kind);
    }

    /** Each line's {@code leading} fields, and after them db, relations, in_transaction and pinned pages as a kind. */
    private static void parse(Path file, int leading, String expected, LineHandler handler, int defaultDb,
            RelationNames names) throws IOException {
        int lineNumber = 0;
        int found = 0;
        for (String line : Files.readAllLines(file)) {
            lineNumber++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#") || text.startsWith("start") || text.startsWith("weight")) {
                continue;
            }
            String[] f = text.split(",", -1);
            try {
                if (f.length < leading || f.length > leading + 4) {
                    throw new IllegalArgumentException(leading + " to " + (leading + 4) + " fields, not " + f.length);
                }
                int db = field(f, leading).isEmpty() ? defaultDb : Integer.parseInt(field(f, leading));
                List<Integer> relations = new ArrayList<>();
                for (String r : list(field(f, leading + 1))) {
                    relations.add(names.oid(r));
                }
                String tx = field(f, leading + 2);
                if (!tx.isEmpty() && !tx.equals("true") && !tx.equals("false")) {
                    throw new IllegalArgumentException("in_transaction is true or false, not " + tx);
                }
                List<Block> pinned = new ArrayList<>();
                for (String p : list(field(f, leading + 3))) {
                    String[] rb = p.split(":");
                    if (rb.length != 2) {
                        throw new IllegalArgumentException("a pinned page is relation:block, not " + p);
                    }
                    pinned.add(new Block(db, names.relfilenode(rb[0]), Integer.parseInt(rb[1])));
                }
                handler.accept(f, new StandbyClients.QueryKind(1, db, relations, tx.equals("true"), pinned));
                found++;
            } catch (IllegalArgumentException e) { // NumberFormatException too
                throw new MalformedTraceException(file, lineNumber, file + ":" + lineNumber + ": " + e.getMessage()
                        + " (expected " + expected + ", relations by " + names.by() + ")", e);
            }
        }
        if (found == 0) {
            throw new MalformedTraceException(file, 0, file + " holds no query", null);
        }
    }

    private static String field(String[] f, int i) {
        return i < f.length ? f[i].strip() : "";
    }

    private static List<String> list(String field) {
        List<String> items = new ArrayList<>();
        for (String item : field.split(";")) {
            if (!item.isBlank()) {
                items.add(item.strip());
            }
        }
        return items;
    }
}
