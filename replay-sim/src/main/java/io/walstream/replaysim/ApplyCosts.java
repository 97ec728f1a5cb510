package io.walstream.replaysim;

import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.conflict.ConflictRecord;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the startup process spends applying one WAL record, by resource manager (named as {@code pg_waldump} and
 * {@code pg_walinspect} name them: Heap, Heap2, Btree, Transaction, ...), in nanoseconds, {@code defaultNanos} for the
 * others, plus {@code nanosPerKiB} for each KiB the record takes in the WAL (full-page images: a page restored from
 * the WAL, where a record without one reads it). {@code simulate --validate --calibrate} measures them on the machine.
 */
public record ApplyCosts(long defaultNanos, Map<String, Long> nanosByRmgr, long nanosPerKiB) {

    public ApplyCosts {
        nanosByRmgr = Map.copyOf(nanosByRmgr);
    }

    public ApplyCosts(long defaultNanos, Map<String, Long> nanosByRmgr) {
        this(defaultNanos, nanosByRmgr, 0);
    }

    /** The same cost for every record. */
    public static ApplyCosts uniform(long micros) {
        return new ApplyCosts(micros * 1000, Map.of());
    }

    /** What applying {@code r} (all the records taken together in it) costs, in nanoseconds. */
    public long nanosOf(ReplayRecord r) {
        long bytes = r.endLsn() - r.lsn();
        return nanosOf(r.decoded()) * r.records() + (nanosPerKiB == 0 ? 0 : nanosPerKiB * bytes / 1024);
    }

    public long nanosOf(String rmgr) {
        return nanosByRmgr.getOrDefault(rmgr, defaultNanos);
    }

    /** The cost of {@code r}, by the resource manager that wrote it. */
    public long nanosOf(ConflictRecord r) {
        if (nanosByRmgr.isEmpty()) {
            return defaultNanos;
        }
        return nanosOf(rmgrOf(r));
    }

    static String rmgrOf(ConflictRecord r) {
        if (r instanceof ConflictRecord.Other o) {
            return RmgrId.nameOf(o.rmid());
        }
        if (r instanceof ConflictRecord.SnapshotConflict c) {
            String type = c.kind().recordType();
            return type.substring(0, type.indexOf('/'));
        }
        if (r instanceof ConflictRecord.TransactionEnd) {
            return RmgrId.nameOf(RmgrId.TRANSACTION.id());
        }
        if (r instanceof ConflictRecord.RunningXacts || r instanceof ConflictRecord.StandbyLocks) {
            return RmgrId.nameOf(RmgrId.STANDBY.id());
        }
        if (r instanceof ConflictRecord.Checkpoint) {
            return RmgrId.nameOf(RmgrId.XLOG.id());
        }
        if (r instanceof ConflictRecord.DatabaseDrop) {
            return RmgrId.nameOf(RmgrId.DATABASE.id());
        }
        return RmgrId.nameOf(RmgrId.TABLESPACE.id());
    }

    /**
     * {@code --apply-us}: microseconds per record, one number for every record ({@code 5}) or per resource manager with
     * {@code other} for the rest ({@code Heap=7.5,Btree=9,Transaction=3,other=3}), and {@code KiB} for each KiB of WAL
     * ({@code Heap=0.5,other=2.5,KiB=4}).
     *
     * @throws IllegalArgumentException when it is neither
     */
    public static ApplyCosts parse(String text) {
        String t = text.trim();
        if (!t.contains("=")) {
            return new ApplyCosts(nanos(t), Map.of());
        }
        Map<String, Long> byRmgr = new LinkedHashMap<>();
        Long other = null;
        long perKiB = 0;
        for (String part : t.split(",")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2 || kv[0].isBlank()) {
                throw new IllegalArgumentException("not RMGR=MICROS: " + part);
            }
            if (kv[0].trim().equalsIgnoreCase("other")) {
                other = nanos(kv[1]);
            } else if (kv[0].trim().equalsIgnoreCase("KiB")) {
                perKiB = nanos(kv[1]);
            } else {
                byRmgr.put(kv[0].trim(), nanos(kv[1]));
            }
        }
        if (other == null) {
            throw new IllegalArgumentException("give other=MICROS for the records of the other resource managers: " + t);
        }
        return new ApplyCosts(other, byRmgr, perKiB);
    }

    /** As {@link #parse} reads it back. */
    public String format() {
        if (nanosByRmgr.isEmpty() && nanosPerKiB == 0) {
            return micros(defaultNanos);
        }
        StringBuilder s = new StringBuilder();
        new TreeMap<>(nanosByRmgr).forEach((k, v) -> s.append(k).append('=').append(micros(v)).append(','));
        s.append("other=").append(micros(defaultNanos));
        return nanosPerKiB == 0 ? s.toString() : s.append(",KiB=").append(micros(nanosPerKiB)).toString();
    }

    private static long nanos(String micros) {
        double v;
        try {
            v = Double.parseDouble(micros.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number of microseconds: " + micros);
        }
        if (v < 0 || Double.isNaN(v)) {
            throw new IllegalArgumentException("a cost is 0 or more microseconds: " + micros);
        }
        return Math.round(v * 1000);
    }

    private static String micros(long nanos) {
        String s = String.format(Locale.ROOT, "%.3f", nanos / 1000.0);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
