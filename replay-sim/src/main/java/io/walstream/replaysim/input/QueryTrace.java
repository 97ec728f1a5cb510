package io.walstream.replaysim.input;

import io.walstream.replaysim.Block;
import io.walstream.replaysim.StandbyQuery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code simulate --queries FILE}: standby queries from a trace instead of Poisson arrivals. One query per line,
 * comma-separated: {@code start_s,duration_s[,db[,relations[,in_transaction[,pinned]]]]}: start in seconds from the
 * start of the WAL, duration if nothing cancels it, database OID (empty: the default), relation OIDs it reads
 * separated by {@code ;}, {@code true} when it runs inside an explicit transaction (a cancel is then FATAL), pages
 * it keeps pinned as {@code relfilenumber:block} separated by {@code ;} (a cursor stopped on a page: what makes a
 * buffer-pin conflict). Lines starting with {@code #}, blank lines and a header starting with {@code start} are
 * skipped.
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
     * in database {@code defaultDb} where a line names none.
     *
     * @throws MalformedTraceException when a line is not a query, or there is none
     */
    public static List<StandbyQuery> read(Path file, long originMicros, int defaultDb) throws IOException {
        List<StandbyQuery> queries = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file)) {
            lineNumber++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#") || text.startsWith("start")) {
                continue;
            }
            String[] f = text.split(",", -1);
            try {
                if (f.length < 2 || f.length > 6) {
                    throw new IllegalArgumentException("2 to 6 fields, not " + f.length);
                }
                long start = originMicros + Math.round(Double.parseDouble(f[0].strip()) * 1e6);
                long duration = Math.round(Double.parseDouble(f[1].strip()) * 1e6);
                int db = field(f, 2).isEmpty() ? defaultDb : Integer.parseInt(field(f, 2));
                List<Integer> relations = new ArrayList<>();
                for (String r : list(field(f, 3))) {
                    relations.add(Integer.parseInt(r));
                }
                String tx = field(f, 4);
                if (!tx.isEmpty() && !tx.equals("true") && !tx.equals("false")) {
                    throw new IllegalArgumentException("in_transaction is true or false, not " + tx);
                }
                List<Block> pinned = new ArrayList<>();
                for (String p : list(field(f, 5))) {
                    String[] rb = p.split(":");
                    if (rb.length != 2) {
                        throw new IllegalArgumentException("a pinned page is relfilenumber:block, not " + p);
                    }
                    pinned.add(new Block(db, Integer.parseInt(rb[0]), Integer.parseInt(rb[1])));
                }
                queries.add(new StandbyQuery(queries.size() + 1, start, duration, db, relations, tx.equals("true"),
                        pinned));
            } catch (IllegalArgumentException e) { // NumberFormatException too
                throw new MalformedTraceException(file, lineNumber, file + ":" + lineNumber + ": " + e.getMessage()
                        + " (expected start_s,duration_s[,db[,relations[,in_transaction[,pinned]]]])", e);
            }
        }
        if (queries.isEmpty()) {
            throw new MalformedTraceException(file, 0, file + " holds no query", null);
        }
        return queries;
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
