package io.walstream.replaysim.input;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the relations of a query trace or mix are written, and the catalog that turns them into what the WAL names:
 * locks name a relation by its {@code pg_class} OID, cleanup records (and so pinned pages) by its relfilenode, and the
 * two differ once a relation was rewritten (TRUNCATE, VACUUM FULL, CLUSTER). The catalog is the primary's
 * {@code psql -XAt -F, -c "SELECT relname, oid, relfilenode FROM pg_class"}: {@code relname,oid,relfilenode} per line.
 *
 * @param by      how the trace writes relations
 * @param catalog relname, OID and relfilenode of each relation; empty when none was given (then OID and relfilenode are
 *                taken to be the same number, true until a rewrite)
 */
public record RelationNames(By by, List<Entry> catalog) {

    /** What a trace's relation numbers are. */
    public enum By {
        OID, RELFILENODE, NAME;

        /** {@code oid}, {@code relfilenode} or {@code name}. */
        public static By parse(String text) {
            for (By b : values()) {
                if (b.name().equalsIgnoreCase(text.strip())) {
                    return b;
                }
            }
            throw new IllegalArgumentException("relations are by oid, relfilenode or name, not " + text);
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One relation of the catalog. */
    public record Entry(String name, int oid, int relfilenode) {
    }

    /** Relations by pg_class OID, no catalog: what a trace without {@code --relations-by} means. */
    public static final RelationNames OIDS = new RelationNames(By.OID, List.of());

    public RelationNames {
        catalog = List.copyOf(catalog);
        if (by != By.OID && catalog.isEmpty()) {
            throw new IllegalArgumentException("relations by " + by + " need a catalog (relname,oid,relfilenode per line)"
                    + " to find the pg_class OIDs the WAL's locks name");
        }
    }

    /**
     * The catalog in {@code file}: {@code relname,oid,relfilenode} per line (a header starting with {@code relname},
     * blank lines and {@code #} lines skipped).
     *
     * @throws IllegalArgumentException naming the file and line when a line is not a relation
     */
    public static List<Entry> readCatalog(Path file) throws IOException {
        List<Entry> entries = new java.util.ArrayList<>();
        int n = 0;
        for (String line : Files.readAllLines(file)) {
            n++;
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#") || t.startsWith("relname")) {
                continue;
            }
            String[] f = t.split(",", -1);
            try {
                if (f.length != 3) {
                    throw new IllegalArgumentException("3 fields, not " + f.length);
                }
                entries.add(new Entry(f[0].strip(), Integer.parseUnsignedInt(f[1].strip()),
                        Integer.parseUnsignedInt(f[2].strip())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + n + ": " + e.getMessage()
                        + " (expected relname,oid,relfilenode)", e);
            }
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no relation (expected relname,oid,relfilenode per line)");
        }
        return entries;
    }

    /** The pg_class OID of the relation written {@code written}: what a lock in the WAL names. */
    public int oid(String written) {
        return switch (by) {
            case OID -> Integer.parseUnsignedInt(written);
            case RELFILENODE -> find(written, Entry::relfilenode).oid();
            case NAME -> byName(written).oid();
        };
    }

    /** The relfilenode of the relation written {@code written}: what a cleanup record (and so a pinned page) names. */
    public int relfilenode(String written) {
        return switch (by) {
            case OID -> catalog.isEmpty() ? Integer.parseUnsignedInt(written)
                    : find(written, Entry::oid).relfilenode();
            case RELFILENODE -> Integer.parseUnsignedInt(written);
            case NAME -> byName(written).relfilenode();
        };
    }

    /** The catalog's name of the relation with pg_class OID {@code oid}, or the number itself. */
    public String describe(int oid) {
        return catalog.stream().filter(e -> e.oid() == oid).findFirst()
                .map(e -> e.name() + " (oid " + Integer.toUnsignedString(oid) + ")")
                .orElse("oid " + Integer.toUnsignedString(oid));
    }

    private Entry find(String written, java.util.function.ToIntFunction<Entry> key) {
        int n = Integer.parseUnsignedInt(written);
        for (Entry e : catalog) {
            if (key.applyAsInt(e) == n) {
                return e;
            }
        }
        throw new IllegalArgumentException("relation " + written + " (by " + by + ") is not in the catalog");
    }

    private Entry byName(String written) {
        Map<String, Entry> byName = new HashMap<>();
        catalog.forEach(e -> byName.putIfAbsent(e.name(), e));
        Entry e = byName.get(written);
        if (e == null) {
            throw new IllegalArgumentException("relation " + written + " is not in the catalog");
        }
        return e;
    }
}
