package io.walstream.protocol.wal.conflict;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.pgcluster.PgBinaries;
import io.walstream.pgcluster.PgCluster;
import io.walstream.pgcluster.junit.PgClusterExtension;
import io.walstream.protocol.wal.WalRecord;
import io.walstream.protocol.wal.WalRecordReader;
import io.walstream.protocol.wal.conflict.ConflictRecord.Checkpoint;
import io.walstream.protocol.wal.conflict.ConflictRecord.CleanupKind;
import io.walstream.protocol.wal.conflict.ConflictRecord.DatabaseDrop;
import io.walstream.protocol.wal.conflict.ConflictRecord.Lock;
import io.walstream.protocol.wal.conflict.ConflictRecord.Other;
import io.walstream.protocol.wal.conflict.ConflictRecord.RunningXacts;
import io.walstream.protocol.wal.conflict.ConflictRecord.SnapshotConflict;
import io.walstream.protocol.wal.conflict.ConflictRecord.StandbyLocks;
import io.walstream.protocol.wal.conflict.ConflictRecord.TablespaceDrop;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionEnd;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionOutcome;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decoder on real WAL from a workload that writes every record kind it decodes ({@link ConflictWorkload}), one
 * server per major version.
 *
 * <p>On every version: every record decodes; each kind the workload causes appears; what the workload knows from SQL
 * matches exactly (the deleting transactions' xids are the horizons of the prune and index-delete records on their
 * relations, relfilenodes, the LOCK's xid and relation, the dropped database's and tablespace's OIDs, prepared
 * transactions' xids, subtransaction counts); every other horizon is a plausible xid (normal, below the next xid).
 *
 * <p>Against pg_waldump: {@link PgWaldumpFixtureTest}, on this workload's WAL of 15 and pg_waldump 15's output of it,
 * committed as a fixture; {@code -DconflictIT.writeFixture=DIR} writes it again from this run's WAL of 15
 * ({@link PgWaldumpFixture}). For 13, 14, 16, 17 and 18 exactness of the values without SQL ground truth (e.g. a
 * VISIBLE record's cutoff, a REUSE_PAGE's full xid) is unverified for lack of a pg_waldump of those versions.
 */
@Tag("pg")
@ExtendWith(PgClusterExtension.class)
class ConflictRecordDecoderIT {

    /** 13–18, or the list in {@code -DconflictIT.majors=15,17}. */
    static IntStream majors() {
        String only = System.getProperty("conflictIT.majors", "");
        return only.isBlank() ? IntStream.rangeClosed(13, 18)
            : Arrays.stream(only.split(",")).mapToInt(v -> Integer.parseInt(v.trim()));
    }

    @ParameterizedTest(name = "PostgreSQL {0}")
    @MethodSource("majors")
    void decodesRealWal(int major, @TempDir Path dir) throws Exception {
        ConflictWorkload.Truth truth;
        long started = System.nanoTime();
        try (PgCluster pg = PgCluster.builder().binaries(PgBinaries.resolve(major, List.of(PgBinaries.Source.CENTRAL)))
            .name("conflict" + major).setting("autovacuum", "off").setting("wal_level", "logical").setting("max_prepared_transactions", "5")
            .setting("log_min_messages", "warning").start()) {
            truth = ConflictWorkload.run(pg, dir);
        }
        long captured = System.nanoTime();

        List<ConflictRecord> decoded = new ArrayList<>();
        Map<String, Set<Integer>> mainDataLengths = new TreeMap<>();
        try (WalRecordReader reader = WalRecordReader.open(truth.segments())) {
            while (reader.next()) {
                ConflictRecord r = ConflictRecordDecoder.decode(reader.record());
                decoded.add(r);
                if (r instanceof SnapshotConflict || r instanceof Checkpoint || r instanceof TablespaceDrop) {
                    mainDataLengths.computeIfAbsent(r.recordType(), k -> new TreeSet<>())
                        .add(fixedPartLength(r, reader.record()));
                }
            }
            assertThat(reader.serverMajor()).isEqualTo(major);
        }
        assertStructSizes(major, mainDataLengths);
        Map<String, Integer> perType = countByType(decoded);
        System.out.printf("PostgreSQL %d: %d records, decoded: %s%n", major, decoded.size(), perType);

        assertKindsAppear(major, decoded);
        assertGroundTruth(truth, decoded);
        assertCatalogFlags(truth, decoded);
        assertPlausible(truth, decoded);
        String fixture = System.getProperty("conflictIT.writeFixture", "");
        if (major == 15 && !fixture.isBlank()) {
            PgWaldumpFixture.write(Path.of(fixture), truth.segments(), dir);
        }
        System.out.printf("PostgreSQL %d: server and workload %d ms, decoding and checks %d ms%n", major,
            (captured - started) / 1_000_000, (System.nanoTime() - captured) / 1_000_000);
    }

    // ------------------------------------------------------------------ every version

    private static void assertKindsAppear(int major, List<ConflictRecord> decoded) {
        Set<CleanupKind> expected = EnumSet.of(CleanupKind.HEAP2_VISIBLE, CleanupKind.BTREE_DELETE,
            CleanupKind.BTREE_REUSE_PAGE, CleanupKind.HASH_VACUUM_ONE_PAGE, CleanupKind.GIST_DELETE,
            CleanupKind.GIST_PAGE_REUSE, CleanupKind.SPGIST_VACUUM_REDIRECT);
        if (major == 13) {
            expected.addAll(EnumSet.of(CleanupKind.HEAP2_CLEAN, CleanupKind.HEAP2_CLEANUP_INFO,
                CleanupKind.HEAP2_FREEZE_PAGE));
        } else if (major <= 16) {
            expected.addAll(EnumSet.of(CleanupKind.HEAP2_PRUNE, CleanupKind.HEAP2_FREEZE_PAGE));
        } else {
            expected.addAll(EnumSet.of(CleanupKind.HEAP2_PRUNE_ON_ACCESS, CleanupKind.HEAP2_PRUNE_VACUUM_SCAN,
                CleanupKind.HEAP2_PRUNE_VACUUM_CLEANUP));
        }
        Set<CleanupKind> seen = decoded.stream().filter(SnapshotConflict.class::isInstance)
            .map(r -> ((SnapshotConflict) r).kind()).collect(Collectors.toCollection(() -> EnumSet.noneOf(CleanupKind.class)));
        assertThat(seen).as("snapshot-conflict kinds on %d", major).containsAll(expected);
        for (CleanupKind k : seen) {
            assertThat(expected).as("a kind %d does not write", major).contains(k);
        }
        Set<String> types = countByType(decoded).keySet();
        assertThat(types).contains("Standby/LOCK", "Standby/RUNNING_XACTS", "Database/DROP", "Tablespace/DROP",
            "Transaction/COMMIT", "Transaction/ABORT", "Transaction/COMMIT_PREPARED", "Transaction/ABORT_PREPARED",
            "XLOG/CHECKPOINT_ONLINE", "XLOG/CHECKPOINT_SHUTDOWN");
    }

    /**
     * The main data's length without the offset array some records append to it: gist DELETE and hash
     * VACUUM_ONE_PAGE have {@code u16} counts @4 of 2-byte offsets, spgist VACUUM_REDIRECT @0.
     */
    private static int fixedPartLength(ConflictRecord r, WalRecord record) {
        int length = record.body().mainDataLength();
        int countAt = switch (r.recordType()) {
            case "Gist/DELETE", "Hash/VACUUM_ONE_PAGE" -> 4;
            case "SPGist/VACUUM_REDIRECT" -> 0;
            default -> -1;
        };
        if (countAt < 0) {
            return length;
        }
        int at = record.body().mainDataOffset() + countAt;
        int count = (record.array()[at] & 0xFF) | (record.array()[at + 1] & 0xFF) << 8;
        return length - 2 * count;
    }

    /**
     * The main data of the fixed-size records is exactly {@code SizeOf<struct>} of the version (arrays, if any, go
     * to the block data), which checks the struct layouts beyond the offsets the decoder reads.
     */
    private static void assertStructSizes(int major, Map<String, Set<Integer>> lengths) {
        Map<String, Integer> expected = new TreeMap<>();
        expected.put("XLOG/CHECKPOINT_ONLINE", 88);
        expected.put("XLOG/CHECKPOINT_SHUTDOWN", 88);
        expected.put("Tablespace/DROP", 4);
        expected.put("Heap2/VISIBLE", 5);
        expected.put("Heap2/CLEAN", 8);
        expected.put("Heap2/CLEANUP_INFO", 16);
        expected.put("Heap2/PRUNE", major >= 16 ? 9 : 8);
        expected.put("Heap2/FREEZE_PAGE", major >= 16 ? 7 : 6);
        expected.put("Btree/DELETE", major >= 16 ? 9 : 8);
        expected.put("Btree/REUSE_PAGE", major >= 16 ? 25 : major >= 14 ? 24 : 20);
        // These three append their offsets to the main data (fixedPartLength): the fixed part is offsetof(offsets),
        // past 16's isCatalogRel and the padding to the 2-byte array (hash: 13–15 end with an int ntuples@4).
        expected.put("Hash/VACUUM_ONE_PAGE", 8);
        expected.put("Gist/DELETE", major >= 16 ? 8 : 6);
        expected.put("SPGist/VACUUM_REDIRECT", major >= 16 ? 10 : 8);
        expected.put("Gist/PAGE_REUSE", major >= 16 ? 25 : 24);
        System.out.printf("PostgreSQL %d: main data lengths %s%n", major, lengths);
        lengths.forEach((type, seen) -> {
            if (type.startsWith("Heap2/PRUNE_")) {
                // xl_heap_prune: reason and flags, then the horizon (4 bytes, unaligned) if there is one
                assertThat(seen).as(type).isSubsetOf(2, 6);
            } else {
                assertThat(expected).as("a size for %s", type).containsKey(type);
                assertThat(seen).as("%s main data lengths on %d", type, major).containsOnly(expected.get(type));
            }
        });
    }

    private static void assertGroundTruth(ConflictWorkload.Truth t, List<ConflictRecord> decoded) {
        List<SnapshotConflict> cleanups = decoded.stream().filter(SnapshotConflict.class::isInstance)
            .map(SnapshotConflict.class::cast).toList();
        Set<CleanupKind> pruneKinds = t.major() == 13 ? EnumSet.of(CleanupKind.HEAP2_CLEAN)
            : t.major() <= 16 ? EnumSet.of(CleanupKind.HEAP2_PRUNE)
            : EnumSet.of(CleanupKind.HEAP2_PRUNE_ON_ACCESS, CleanupKind.HEAP2_PRUNE_VACUUM_SCAN);
        assertThat(cleanups).as("a prune of heap_t with the deleting xid as horizon")
            .anyMatch(c -> pruneKinds.contains(c.kind()) && c.relation().equals(t.heap())
                && c.snapshotConflictHorizon() == t.heapDeleteXid());
        if (t.major() <= 16) {
            assertThat(cleanups).as("VACUUM (FREEZE) of heap_t after the delete: a cutoff after its xid")
                .anyMatch(c -> c.kind() == CleanupKind.HEAP2_FREEZE_PAGE && c.relation().equals(t.heap())
                    && c.logged() > t.heapDeleteXid());
        }
        assertHorizon(cleanups, CleanupKind.BTREE_DELETE, t.btreeIndex(), t.btreeDeleteXid());
        assertHorizon(cleanups, CleanupKind.HASH_VACUUM_ONE_PAGE, t.hashIndex(), t.hashDeleteXid());
        assertHorizon(cleanups, CleanupKind.GIST_DELETE, t.gistIndex(), t.gistDeleteXid());
        assertHorizon(cleanups, CleanupKind.SPGIST_VACUUM_REDIRECT, t.spgistIndex(), t.spgistInsertXid());
        assertThat(cleanups).as("REUSE_PAGE of reuse_id")
            .anyMatch(c -> c.kind() == CleanupKind.BTREE_REUSE_PAGE && c.relation().equals(t.reuseIndex()));
        assertThat(cleanups).as("PAGE_REUSE of gr_p")
            .anyMatch(c -> c.kind() == CleanupKind.GIST_PAGE_REUSE && c.relation().equals(t.gistReuseIndex()));
        assertThat(cleanups).as("VISIBLE on heap_t")
            .anyMatch(c -> c.kind() == CleanupKind.HEAP2_VISIBLE && c.relation().equals(t.heap()));
        for (SnapshotConflict c : cleanups) {
            if (c.kind() == CleanupKind.HEAP2_VISIBLE) {
                assertThat(c.relation().relation()).as("%s: block #1 is the heap page, not the VM's", c).isNotZero();
            }
        }

        assertThat(decoded).as("LOCK TABLE heap_t").anyMatch(r -> r instanceof StandbyLocks l
            && l.locks().contains(new Lock(t.lockXid(), t.databaseOid(), t.heapOid())));
        List<TransactionEnd> ends = decoded.stream().filter(TransactionEnd.class::isInstance)
            .map(TransactionEnd.class::cast).toList();
        assertThat(ends).anyMatch(e -> e.outcome() == TransactionOutcome.ABORT && e.xid() == t.abortXid());
        assertThat(ends).anyMatch(e -> e.outcome() == TransactionOutcome.COMMIT && e.xid() == t.subxactCommitXid()
            && e.subxacts() == 2);
        assertThat(ends).anyMatch(e -> e.outcome() == TransactionOutcome.COMMIT && e.xid() == t.lockXid()
            && e.accessExclusiveLocks());
        assertThat(ends).anyMatch(e -> e.outcome() == TransactionOutcome.COMMIT_PREPARED
            && e.xid() == t.preparedCommitXid());
        assertThat(ends).anyMatch(e -> e.outcome() == TransactionOutcome.ABORT_PREPARED
            && e.xid() == t.preparedAbortXid());
        assertThat(ends).as("COMMIT_PREPARED with dropped stats (15+) before its twophase xid")
            .anyMatch(e -> e.outcome() == TransactionOutcome.COMMIT_PREPARED && e.xid() == t.preparedDropXid()
                && e.accessExclusiveLocks());
        assertThat(decoded).anyMatch(r -> r instanceof DatabaseDrop d && d.database() == t.droppedDatabaseOid()
            && d.tablespaces().contains(1663L));
        assertThat(decoded).anyMatch(r -> r instanceof TablespaceDrop d
            && d.tablespace() == t.droppedTablespaceOid());
    }

    /**
     * isCatalogRel (16+; wal_level logical): set for catalogs, clear for user relations. A relfilenode below 12000
     * (FirstUnpinnedObjectId) was never rewritten, so it is its catalog's OID. Only from the workload's start on:
     * initdb's WAL, earlier in the first segment, was not written with wal_level logical.
     */
    private static void assertCatalogFlags(ConflictWorkload.Truth t, List<ConflictRecord> decoded) {
        Set<RelFileLocator> user = Set.of(t.heap(), t.btreeIndex(), t.reuseIndex(), t.hashIndex(), t.gistIndex(),
            t.gistReuseIndex(), t.spgistIndex());
        List<SnapshotConflict> cleanups = decoded.stream().filter(SnapshotConflict.class::isInstance)
            .map(SnapshotConflict.class::cast).toList();
        for (SnapshotConflict c : cleanups) {
            if (user.contains(c.relation())) {
                assertThat(c.catalogRelation()).as("%s", c).isFalse();
            } else if (c.relation().relation() < 12000 && c.relation().relation() != 0 && c.lsn() >= t.startLsn()) {
                assertThat(c.catalogRelation()).as("%s on a catalog", c).isEqualTo(t.major() >= 16);
            }
        }
        if (t.major() >= 16) {
            assertThat(cleanups).as("cleanups of catalogs").anyMatch(SnapshotConflict::catalogRelation);
        }
        System.out.printf("PostgreSQL %d: isCatalogRel set on %s%n", t.major(), cleanups.stream()
            .filter(SnapshotConflict::catalogRelation)
            .collect(Collectors.groupingBy(SnapshotConflict::recordType, TreeMap::new, Collectors.counting())));
    }

    private static void assertHorizon(List<SnapshotConflict> cleanups, CleanupKind kind, RelFileLocator relation,
                                      long xid) {
        assertThat(cleanups).as("%s on %s with horizon %d; seen: %s", kind, relation, xid,
                cleanups.stream().filter(c -> c.kind() == kind).limit(10).toList())
            .anyMatch(c -> c.kind() == kind && c.relation().equals(relation) && c.snapshotConflictHorizon() == xid);
    }

    private static void assertPlausible(ConflictWorkload.Truth t, List<ConflictRecord> decoded) {
        long startMicros = pgMicros(t.start()) - 600_000_000; // the first segment holds initdb's WAL too
        long endMicros = pgMicros(t.end()) + 5_000_000;
        for (ConflictRecord r : decoded) {
            if (r instanceof SnapshotConflict c) {
                long h = c.snapshotConflictHorizon();
                // 0: nothing removed carried an xid (e.g. only LP_DEAD items), no conflict; initdb's catalogs give
                // VISIBLE cutoffs of 1 (BootstrapTransactionId) and 2 (FrozenTransactionId).
                assertThat(h).as("%s horizon", c).isLessThan(t.xidBound());
                if (c.kind().fullTransactionId(t.major())) {
                    assertThat(c.logged() >>> 32).as("%s epoch", c).isZero();
                }
                if (c.kind() == CleanupKind.HEAP2_FREEZE_PAGE && t.major() <= 15 && c.logged() > 3) {
                    assertThat(c.logged()).as("%s: horizon is the cutoff retreated", c).isEqualTo(h + 1);
                }
            } else if (r instanceof RunningXacts x) {
                assertThat(x.nextXid()).as("%s", x).isBetween(3L, t.xidBound());
                assertXid(x + " oldestRunningXid", x.oldestRunningXid(), x.nextXid() + 1);
                assertXid(x + " latestCompletedXid", x.latestCompletedXid(), x.nextXid());
            } else if (r instanceof TransactionEnd e) {
                assertXid(e + " xid", e.xid(), t.xidBound());
                assertThat(e.xactTime()).as("%s xact_time", e).isBetween(startMicros, endMicros);
            } else if (r instanceof StandbyLocks l) {
                assertThat(l.locks()).isNotEmpty();
                for (Lock lock : l.locks()) {
                    assertXid(l + " xid", lock.xid(), t.xidBound());
                    assertThat(lock.relation()).isPositive();
                }
            } else if (r instanceof Checkpoint c) {
                assertThat(c.redo()).as("%s redo", c).isLessThanOrEqualTo(c.lsn());
                assertThat(c.timeline()).isEqualTo(1);
                assertThat(c.nextFullXid() >>> 32).isZero();
                assertThat(c.nextFullXid()).isBetween(3L, t.xidBound());
                assertThat(c.time()).isBetween(startMicros / 1_000_000 + 946_684_800 - 600,
                    endMicros / 1_000_000 + 946_684_800);
            }
        }
    }

    private static void assertXid(String what, long xid, long bound) {
        assertThat(xid).as(what).isGreaterThanOrEqualTo(3L).isLessThan(bound);
    }

    private static long pgMicros(Instant i) {
        return (i.getEpochSecond() - 946_684_800L) * 1_000_000L + i.getNano() / 1000;
    }

    static Map<String, Integer> countByType(List<ConflictRecord> decoded) {
        Map<String, Integer> counts = new TreeMap<>();
        for (ConflictRecord r : decoded) {
            if (!(r instanceof Other)) {
                counts.merge(r.recordType(), 1, Integer::sum);
            }
        }
        return counts;
    }
}
