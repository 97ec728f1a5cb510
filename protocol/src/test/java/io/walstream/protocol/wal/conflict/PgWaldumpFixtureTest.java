package io.walstream.protocol.wal.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.wal.BlockReference;
import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordBody;
import io.walstream.protocol.wal.WalRecordReader;
import io.walstream.protocol.wal.conflict.ConflictRecord.Checkpoint;
import io.walstream.protocol.wal.conflict.ConflictRecord.DatabaseDrop;
import io.walstream.protocol.wal.conflict.ConflictRecord.Other;
import io.walstream.protocol.wal.conflict.ConflictRecord.RunningXacts;
import io.walstream.protocol.wal.conflict.ConflictRecord.SnapshotConflict;
import io.walstream.protocol.wal.conflict.ConflictRecord.StandbyLocks;
import io.walstream.protocol.wal.conflict.ConflictRecord.TablespaceDrop;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionEnd;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reader and the decoder against pg_waldump 15, on WAL of PostgreSQL 15 and pg_waldump 15's output of it
 * committed as a fixture ({@link PgWaldumpFixture}: how it was made and how to make it again), so that this runs
 * with only a JDK.
 *
 * <p>The reader: every record's LSN, prev-link, lengths, xid, resource manager and block references (relation,
 * fork, block, full-page image) equal pg_waldump's. The decoder: the count of every record type it decodes equals
 * {@code pg_waldump --stats=record}'s, the count per resource manager over all records too, and every decoded
 * record's horizon, relation, locks, xids and times equal what pg_waldump prints for the record at that LSN.
 * ConflictRecordDecoderIT checks the decoder on live servers of 13 to 18 against what the workload knows from SQL.
 */
class PgWaldumpFixtureTest {

    @Test
    void readerAgreesWithPgWaldumpRecordByRecord(@TempDir Path dir) throws Exception {
        List<WalRecordSummary> records = new ArrayList<>();
        boolean sawImage = false;
        boolean sawMultiPage = false;
        boolean sawSegmentCrossing = false;
        try (WalRecordReader reader = WalRecordReader.open(PgWaldumpFixture.segments(dir))) {
            while (reader.next()) {
                WalRecord r = reader.record();
                WalRecordBody body = r.body();
                records.add(new WalRecordSummary(r.lsn(), r.prev(), r.totalLength(), r.totalLength() - body.fpiLength(),
                    Integer.toUnsignedLong(r.xid()), RmgrId.nameOf(r.rmid()), blocks(body)));
                for (int i = 0; i < body.blockCount(); i++) {
                    sawImage |= body.block(i).hasImage();
                }
                sawMultiPage |= r.totalLength() > 8192;
                sawSegmentCrossing |= Lsn.of(r.lsn()).segmentNumber(PgWaldumpFixture.SEGMENT_SIZE)
                    != Lsn.of(r.endLsn() - 1).segmentNumber(PgWaldumpFixture.SEGMENT_SIZE);
            }
            assertThat(reader.serverMajor()).isEqualTo(15);
        }
        assertThat(sawImage).as("full-page images").isTrue();
        assertThat(sawMultiPage).as("records over several pages").isTrue();
        assertThat(sawSegmentCrossing).as("a record across a segment edge").isTrue();

        List<WalRecordSummary> golden = summaries(PgWaldumpFixture.pgWaldump(false));
        assertThat(records).hasSameSizeAs(golden);
        for (int i = 0; i < golden.size(); i++) {
            assertThat(records.get(i)).as("record %d", i).isEqualTo(golden.get(i));
        }
    }

    @Test
    void decoderAgreesWithPgWaldump(@TempDir Path dir) throws Exception {
        List<ConflictRecord> decoded = new ArrayList<>();
        Map<String, Integer> perRmgr = new TreeMap<>();
        try (WalRecordReader reader = WalRecordReader.open(PgWaldumpFixture.segments(dir))) {
            while (reader.next()) {
                decoded.add(ConflictRecordDecoder.decode(reader.record()));
                perRmgr.merge(RmgrId.nameOf(reader.record().rmid()), 1, Integer::sum);
            }
        }
        Map<String, Integer> perType = ConflictRecordDecoderIT.countByType(decoded);
        assertThat(perType.keySet()).as("every type the decoder decodes on 15 is in the fixture")
            .containsExactlyInAnyOrderElementsOf(DECODED_TYPES_15);
        assertEqualsPgWaldump(decoded, perType, perRmgr);
    }

    // ------------------------------------------------------------------ the reader

    /** What pg_waldump prints of a record, and what we compare. */
    record WalRecordSummary(long lsn, long prev, int totalLength, int recordLength, long xid, String rmgr,
                            String blocks) {
        @Override
        public String toString() {
            return rmgr + " " + Lsn.format(lsn) + " prev " + Lsn.format(prev) + " len " + recordLength + "/"
                + totalLength + " tx " + xid + " " + blocks;
        }
    }

    private static String blocks(WalRecordBody body) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < body.blockCount(); i++) {
            BlockReference b = body.block(i);
            s.append('#').append(b.blockId()).append(' ').append(b.relationPath()).append(' ').append(b.forkNumber())
                .append(' ').append(b.blockNumber()).append(b.hasImage() ? " FPW" : "").append(';');
        }
        return s.toString();
    }

    private static final Pattern SUMMARY_LINE = Pattern.compile("rmgr: (\\S+)\\s+len \\(rec/tot\\):\\s+(\\d+)/\\s*(\\d+),"
        + " tx:\\s+(\\d+), lsn: ([0-9A-F]+/[0-9A-F]+), prev ([0-9A-F]+/[0-9A-F]+), desc: (.*)");
    private static final Pattern BLKREF = Pattern.compile("blkref #(\\d+): rel (\\d+/\\d+/\\d+)(?: fork (\\w+))? blk"
        + " (\\d+)( FPW)?");
    private static final Map<String, Integer> FORKS = Map.of("main", 0, "fsm", 1, "vm", 2, "init", 3);

    private static List<WalRecordSummary> summaries(String out) {
        List<WalRecordSummary> records = new ArrayList<>();
        for (String line : out.split("\n")) {
            Matcher m = SUMMARY_LINE.matcher(line);
            if (!m.matches()) {
                continue;
            }
            StringBuilder blocks = new StringBuilder();
            Matcher b = BLKREF.matcher(m.group(7));
            while (b.find()) {
                int fork = b.group(3) == null ? 0 : FORKS.get(b.group(3));
                blocks.append('#').append(b.group(1)).append(' ').append(b.group(2)).append(' ').append(fork)
                    .append(' ').append(b.group(4)).append(b.group(5) != null ? " FPW" : "").append(';');
            }
            records.add(new WalRecordSummary(Lsn.parse(m.group(5)).value(), Lsn.parse(m.group(6)).value(),
                Integer.parseInt(m.group(3)), Integer.parseInt(m.group(2)), Long.parseLong(m.group(4)), m.group(1),
                blocks.toString()));
        }
        assertThat(records).as("pg_waldump output:%n%s", out.length() > 2000 ? out.substring(0, 2000) : out)
            .isNotEmpty();
        return records;
    }

    // ------------------------------------------------------------------ the decoder

    /** Every record type the decoder decodes on 15, as pg_waldump 15 names them. */
    static final List<String> DECODED_TYPES_15 = List.of("Heap2/PRUNE", "Heap2/FREEZE_PAGE", "Heap2/VISIBLE",
        "Btree/DELETE", "Btree/REUSE_PAGE", "Hash/VACUUM_ONE_PAGE", "Gist/DELETE", "Gist/PAGE_REUSE",
        "SPGist/VACUUM_REDIRECT", "Standby/LOCK", "Standby/RUNNING_XACTS", "Database/DROP", "Tablespace/DROP",
        "Transaction/COMMIT", "Transaction/ABORT", "Transaction/COMMIT_PREPARED", "Transaction/ABORT_PREPARED",
        "XLOG/CHECKPOINT_SHUTDOWN", "XLOG/CHECKPOINT_ONLINE");

    private static final Pattern STATS_ROW = Pattern.compile("^(\\S+)/(\\S+)\\s+(\\d+)\\s+\\(", Pattern.MULTILINE);
    private static final Pattern LINE = Pattern.compile("rmgr: (\\S+)\\s+len \\(rec/tot\\):\\s+\\d+/\\s*\\d+, tx:"
        + "\\s+(\\d+), lsn: ([0-9A-F]+/[0-9A-F]+), prev [0-9A-F]+/[0-9A-F]+, desc: (\\S+) ?(.*)");
    private static final DateTimeFormatter WALDUMP_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS")
        .withZone(ZoneOffset.UTC);

    private record DumpLine(String rmgr, long tx, String id, String desc) {
    }

    private static void assertEqualsPgWaldump(List<ConflictRecord> decoded, Map<String, Integer> perType,
                                              Map<String, Integer> perRmgr) {
        // Counts per record type and per resource manager.
        String stats = PgWaldumpFixture.pgWaldump(true);
        Map<String, Integer> waldumpPerType = new TreeMap<>();
        Map<String, Integer> waldumpPerRmgr = new TreeMap<>();
        Matcher m = STATS_ROW.matcher(stats);
        while (m.find()) {
            int n = Integer.parseInt(m.group(3));
            waldumpPerType.merge(m.group(1) + "/" + m.group(2), n, Integer::sum);
            waldumpPerRmgr.merge(m.group(1), n, Integer::sum);
        }
        assertThat(waldumpPerRmgr).as("pg_waldump --stats=record:%n%s", stats).isNotEmpty();
        assertThat(perRmgr).as("records per resource manager").isEqualTo(waldumpPerRmgr);
        for (String type : DECODED_TYPES_15) {
            assertThat(perType.getOrDefault(type, 0)).as("%s records", type)
                .isEqualTo(waldumpPerType.getOrDefault(type, 0));
        }
        assertThat(DECODED_TYPES_15).containsAll(perType.keySet());

        // Values record by record.
        String dump = PgWaldumpFixture.pgWaldump(false);
        Map<Long, DumpLine> byLsn = new HashMap<>();
        for (String line : dump.split("\n")) {
            Matcher l = LINE.matcher(line);
            if (l.matches()) {
                byLsn.put(Lsn.parse(l.group(3)).value(), new DumpLine(l.group(1), Long.parseLong(l.group(2)),
                    l.group(4), l.group(5)));
            }
        }
        assertThat(byLsn).hasSize(decoded.size());
        int compared = 0;
        for (ConflictRecord r : decoded) {
            DumpLine line = byLsn.get(r.lsn());
            assertThat(line).as("pg_waldump line at %s", Lsn.format(r.lsn())).isNotNull();
            if (r instanceof Other) {
                continue;
            }
            assertThat(line.rmgr() + "/" + line.id()).as("type at %s", Lsn.format(r.lsn())).isEqualTo(r.recordType());
            assertThat(ours(r)).as("%s at %s; pg_waldump: %s", r.recordType(), Lsn.format(r.lsn()), line.desc())
                .isEqualTo(theirs(r, line));
            compared++;
        }
        System.out.printf("pg_waldump 15 agrees: %d records per rmgr %s; %d decoded records value by value; types %s%n",
            decoded.size(), waldumpPerRmgr, compared, perType);
    }

    /** The values pg_waldump 15 prints, rendered from our decoding. */
    private static String ours(ConflictRecord r) {
        if (r instanceof SnapshotConflict c) {
            return switch (c.kind()) {
                case BTREE_REUSE_PAGE -> "rel " + c.relation() + " xid " + (c.logged() >>> 32) + ":"
                    + (c.logged() & 0xFFFF_FFFFL);
                case GIST_PAGE_REUSE -> "rel " + c.relation() + " blk " + c.block() + " xid " + (c.logged() >>> 32)
                    + ":" + (c.logged() & 0xFFFF_FFFFL);
                default -> "rel " + c.relation() + " blk " + c.block() + " xid " + c.logged();
            };
        } else if (r instanceof StandbyLocks l) {
            return l.locks().stream().map(k -> k.xid() + "/" + k.database() + "/" + k.relation())
                .collect(Collectors.joining(" "));
        } else if (r instanceof RunningXacts x) {
            return x.nextXid() + " " + x.latestCompletedXid() + " " + x.oldestRunningXid() + " xacts "
                + joined(x.xids().subList(0, x.xcnt())) + " subxacts " + joined(x.xids().subList(x.xcnt(),
                x.xids().size())) + (x.subxidOverflow() ? " overflowed" : "");
        } else if (r instanceof DatabaseDrop d) {
            return d.tablespaces().stream().map(ts -> ts + "/" + d.database()).collect(Collectors.joining(" "));
        } else if (r instanceof TablespaceDrop d) {
            return Long.toString(d.tablespace());
        } else if (r instanceof TransactionEnd e) {
            return e.xid() + " " + WALDUMP_TIME.format(e.xactInstant()) + " subxacts " + joined(e.subxids());
        } else if (r instanceof Checkpoint c) {
            return Lsn.format(c.redo()) + " tli " + c.timeline() + " xid " + (c.nextFullXid() >>> 32) + ":"
                + (c.nextFullXid() & 0xFFFF_FFFFL) + " oldest " + c.oldestXid() + " running " + c.oldestActiveXid()
                + (c.shutdown() ? " shutdown" : " online");
        }
        throw new AssertionError(r);
    }

    private static final Pattern BLKREF0 = Pattern.compile("blkref #0: rel (\\d+/\\d+/\\d+)(?: fork \\w+)? blk (\\d+)");
    private static final Pattern BLKREF1 = Pattern.compile("blkref #1: rel (\\d+/\\d+/\\d+)(?: fork \\w+)? blk (\\d+)");
    private static final Pattern LOCK = Pattern.compile("xid (\\d+) db (\\d+) rel (\\d+)");
    private static final Pattern XACT = Pattern.compile("^(?:(\\d+): )?(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6})"
        + " UTC");
    private static final Pattern SUBXACTS = Pattern.compile("; subxacts:((?: \\d+)+)");
    private static final Pattern RUNNING = Pattern.compile("^nextXid (\\d+) latestCompletedXid (\\d+)"
        + " oldestRunningXid (\\d+)");
    private static final Pattern CHECKPOINT = Pattern.compile("^redo ([0-9A-F]+/[0-9A-F]+); tli (\\d+); prev tli \\d+;"
        + " fpw \\w+; xid (\\d+:\\d+); oid \\d+; multi \\d+; offset \\d+; oldest xid (\\d+) in DB \\d+;.*"
        + " oldest running xid (\\d+); (shutdown|online)$");

    /** The same values parsed from pg_waldump 15's description of the record. */
    private static String theirs(ConflictRecord r, DumpLine line) {
        String desc = line.desc();
        if (r instanceof SnapshotConflict c) {
            return switch (c.kind()) {
                case HEAP2_PRUNE, BTREE_DELETE, HASH_VACUUM_ONE_PAGE, GIST_DELETE ->
                    blockRef(BLKREF0, desc) + " xid " + group(desc, "latestRemovedXid (\\d+)");
                case HEAP2_FREEZE_PAGE -> blockRef(BLKREF0, desc) + " xid " + group(desc, "cutoff xid (\\d+)");
                case HEAP2_VISIBLE -> blockRef(BLKREF1, desc) + " xid " + group(desc, "cutoff xid (\\d+)");
                case SPGIST_VACUUM_REDIRECT -> blockRef(BLKREF0, desc) + " xid " + group(desc, "newestredirectxid: (\\d+)");
                case BTREE_REUSE_PAGE -> "rel " + group(desc, "rel (\\d+/\\d+/\\d+)") + " xid "
                    + group(desc, "latestRemovedXid (\\d+:\\d+)");
                case GIST_PAGE_REUSE -> "rel " + group(desc, "rel (\\d+/\\d+/\\d+)") + " blk "
                    + group(desc, "blk (\\d+)") + " xid " + group(desc, "latestRemovedXid (\\d+:\\d+)");
                default -> throw new AssertionError("not written by 15: " + c);
            };
        } else if (r instanceof StandbyLocks) {
            List<String> locks = new ArrayList<>();
            Matcher m = LOCK.matcher(desc);
            while (m.find()) {
                locks.add(m.group(1) + "/" + m.group(2) + "/" + m.group(3));
            }
            return String.join(" ", locks);
        } else if (r instanceof RunningXacts) {
            Matcher m = matcher(RUNNING, desc);
            return m.group(1) + " " + m.group(2) + " " + m.group(3) + " xacts " + list(desc, "; \\d+ xacts:((?: \\d+)+)")
                + " subxacts " + list(desc, "; \\d+ subxacts:((?: \\d+)+)")
                + (desc.contains("subxid overflowed") ? " overflowed" : "");
        } else if (r instanceof DatabaseDrop) {
            return group(desc, "^dir ((?:\\d+/\\d+ ?)+)").trim();
        } else if (r instanceof TablespaceDrop) {
            return desc.trim();
        } else if (r instanceof TransactionEnd) {
            Matcher m = matcher(XACT, desc);
            long xid = m.group(1) != null ? Long.parseLong(m.group(1)) : line.tx();
            return xid + " " + m.group(2) + " subxacts " + list(desc, SUBXACTS.pattern());
        } else if (r instanceof Checkpoint) {
            Matcher m = matcher(CHECKPOINT, desc);
            return m.group(1) + " tli " + m.group(2) + " xid " + m.group(3) + " oldest " + m.group(4) + " running "
                + m.group(5) + " " + m.group(6);
        }
        throw new AssertionError(r);
    }

    private static String blockRef(Pattern p, String desc) {
        Matcher m = matcher(p, desc);
        return "rel " + m.group(1) + " blk " + m.group(2);
    }

    private static String group(String desc, String regex) {
        return matcher(Pattern.compile(regex), desc).group(1);
    }

    /** The space-separated numbers of group 1, or "" when the regex does not match. */
    private static String list(String desc, String regex) {
        Matcher m = Pattern.compile(regex).matcher(desc);
        return m.find() ? m.group(1).trim() : "";
    }

    private static String joined(List<Long> xids) {
        return xids.stream().map(String::valueOf).collect(Collectors.joining(" "));
    }

    private static Matcher matcher(Pattern p, String desc) {
        Matcher m = p.matcher(desc);
        assertThat(m.find()).as("/%s/ in \"%s\"", p, desc).isTrue();
        return m;
    }
}
