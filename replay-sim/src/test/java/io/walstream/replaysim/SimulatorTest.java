package io.walstream.replaysim;

import static org.assertj.core.api.Assertions.assertThat;

import io.walstream.protocol.wal.RmgrId;
import io.walstream.protocol.wal.conflict.ConflictRecord;
import io.walstream.protocol.wal.conflict.ConflictRecord.CleanupKind;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionOutcome;
import io.walstream.protocol.wal.conflict.RelFileLocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The conflict scenarios of PostgreSQL's {@code src/test/recovery/t/031_recovery_conflict.pl} (snapshot, lock,
 * tablespace, database, buffer pin, startup deadlock) as exact expectations, plus the timing rules
 * of {@code standby.c}: the polls at 0, 1, 3, 7, ... ms for snapshot waits, timer-precise lock waits, the deadline
 * from receipt, delay 0 and -1, feedback, and the cascade of queries started while replay is blocked.
 */
class SimulatorTest {

    private static final long MS = 1_000;
    private static final int DB = 16384;
    private static final int OTHER_DB = 16385;
    private static final int TABLE = 16400;
    private static final long SEGMENT = 16L << 20;

    /** WAL built record by record, each received in its own message at the given time (loopback streaming). */
    private static final class Wal {
        final List<ReplayRecord> records = new ArrayList<>();
        final List<Receipt> receipts = new ArrayList<>();
        long lsn = 0x3000028;

        Wal add(long atMicros, int xid, LongFunction<ConflictRecord> decoded) {
            long end = lsn + 64;
            records.add(new ReplayRecord(decoded.apply(lsn), end, xid));
            receipts.add(new Receipt(lsn, end, atMicros));
            lsn = end;
            return this;
        }
    }

    // Records as the decoder would give them, once their LSN is known.

    /** A record the model does nothing with (a heap insert). */
    private static final LongFunction<ConflictRecord> PLAIN = lsn -> new ConflictRecord.Other(lsn, RmgrId.HEAP.id(), 0);

    /** A cleanup record with a horizon that takes no cleanup lock (a visibility-map bit set). */
    private static LongFunction<ConflictRecord> cleanup(int horizon, int db) {
        return lsn -> new ConflictRecord.SnapshotConflict(lsn, CleanupKind.HEAP2_VISIBLE, new RelFileLocator(1663, db, TABLE),
                0, horizon, horizon, false, false);
    }

    /** A prune: a horizon, and a cleanup lock on {@code page}. */
    private static LongFunction<ConflictRecord> cleanup(int horizon, int db, Block page) {
        return lsn -> new ConflictRecord.SnapshotConflict(lsn, CleanupKind.HEAP2_PRUNE,
                new RelFileLocator(1663, db, page.relNumber()), page.block(), horizon, horizon, false, true);
    }

    private static LongFunction<ConflictRecord> commit(int xid, long xactTimeMicros) {
        return lsn -> new ConflictRecord.TransactionEnd(lsn, TransactionOutcome.COMMIT, xid, xactTimeMicros, List.of(),
                false);
    }

    private static LongFunction<ConflictRecord> abort(int xid) {
        return lsn -> new ConflictRecord.TransactionEnd(lsn, TransactionOutcome.ABORT, xid, 0, List.of(), false);
    }

    /** Standby LOCK: {@code xid} took an AccessExclusiveLock on {@code rel} in {@code db}. */
    private static LongFunction<ConflictRecord> locks(int xid, int db, int rel) {
        return lsn -> new ConflictRecord.StandbyLocks(lsn, List.of(new ConflictRecord.Lock(xid, db, rel)));
    }

    private static LongFunction<ConflictRecord> runningXacts(int nextXid, int oldest, int latestCompleted, long... xids) {
        List<Long> running = Arrays.stream(xids).boxed().toList();
        return lsn -> new ConflictRecord.RunningXacts(lsn, nextXid, oldest, latestCompleted, xids.length, 0, false,
                running);
    }

    private static LongFunction<ConflictRecord> tablespaceDrop(int tablespace) {
        return lsn -> new ConflictRecord.TablespaceDrop(lsn, tablespace);
    }

    private static LongFunction<ConflictRecord> databaseDrop(int db) {
        return lsn -> new ConflictRecord.DatabaseDrop(lsn, db, List.of());
    }

    /** The primary's state at the start: xid 1000 is next, nothing running. */
    private static Wal start() {
        return new Wal().add(0, 0, runningXacts(1000, 1000, 999));
    }

    /** A transaction that writes and commits; a cleanup record later can remove what it deleted. */
    private static Wal committedDelete(Wal w, long atMicros, int xid) {
        return w.add(atMicros, xid, PLAIN).add(atMicros + MS, xid, commit(xid, atMicros));
    }

    private static StandbyQuery query(int id, long startMicros, long durationMicros) {
        return new StandbyQuery(id, startMicros, durationMicros, DB, List.of(TABLE), false);
    }

    private static SimulationResult run(Wal w, List<StandbyQuery> queries, StandbySettings s) {
        return Simulator.run(w.records, w.receipts, queries, s, SEGMENT);
    }

    private static StandbySettings delay(long micros) {
        // standby.c's own 5 ms sleep per cancellation, so that the timings below are its rules' exactly
        return StandbySettings.defaults().withDelay(micros).withApplyCost(0)
                .withCancelCost(StandbySettings.SLEEP_AFTER_CANCEL_MICROS);
    }

    // ------------------------------------------------------------------ 031_recovery_conflict.pl

    @Test
    void snapshotConflictCancelsAtTheFirstPollPastTheDeadline() {
        // a query with a snapshot from before xid 1000 committed; vacuum then removes what 1000 deleted
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB));
        SimulationResult r = run(w, List.of(query(1, 10 * MS, 10_000 * MS)), delay(50 * MS));

        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
        assertThat(r.errors()).isEqualTo(1);
        assertThat(r.fatals()).isZero();
        // deadline 150 ms; polls at 100, 101, 103, 107, 115, 131, 163 ms: cancelled at 163, then 5 ms asleep
        assertThat(r.queries().get(0).endMicros()).isEqualTo(163 * MS);
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(ConflictType.SNAPSHOT);
            assertThat(e.waitMicros()).isEqualTo(68 * MS);
            assertThat(e.victims()).containsExactly(1);
        });
    }

    @Test
    void aOneSecondDelayFinishesWaitingAfterAbout1028Ms() {
        // the pilot on PostgreSQL 15: "recovery finished waiting after 1030.5 ms" at a 1 s delay
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB));
        SimulationResult r = run(w, List.of(query(1, 10 * MS, 10_000 * MS)), delay(1_000 * MS));
        assertThat(r.events().get(0).waitMicros()).isEqualTo((1023 + 5) * MS);
    }

    @Test
    void theProgressTimersTickCutsAPollsSleepShortSoTheOneSecondPollsComeLater() {
        // PostgreSQL 17 at a 1 s delay logged "recovery still waiting after 1637.548 ms": its progress timer (every
        // 10 s from "redo starts") ticked 637 ms into the wait and cut short the 512 ms sleep begun at 511 ms; the next
        // sleep is a whole second
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB));
        List<StandbyQuery> q = List.of(query(1, 10 * MS, 10_000 * MS));
        SimulationResult r = run(w, q, delay(1_000 * MS).withProgressTimer(10_000 * MS, 737 * MS));
        // polls at 100 + 0, 1, 3, ..., 511 ms; the sleep from 611 ends at the tick, 737; then 1 s: 1737, past 1100
        assertThat(r.queries().get(0).endMicros()).isEqualTo(1737 * MS);
        assertThat(r.events().get(0).waitMicros()).isEqualTo((1637 + 5) * MS);
        // without the timer, or with its tick after the wait, the poll at 1023 ms
        assertThat(run(w, q, delay(1_000 * MS).withProgressTimer(0, 737 * MS)).events().get(0).waitMicros())
                .isEqualTo((1023 + 5) * MS);
        assertThat(run(w, q, delay(1_000 * MS).withProgressTimer(10_000 * MS, 1_500 * MS)).events().get(0).waitMicros())
                .isEqualTo((1023 + 5) * MS);
        // at 5 s the 1 s polls (1123, 2123, ...) follow the tick: 2500, 3500, 4500, 5500 instead of 5123
        SimulationResult five = run(w, q, delay(5_000 * MS).withProgressTimer(10_000 * MS, 2_500 * MS));
        assertThat(five.queries().get(0).endMicros()).isEqualTo(5_500 * MS);
    }

    @Test
    void lockConflictIsTimerPrecise() {
        // the query holds AccessShareLock on the table; the primary takes AccessExclusiveLock (LOCK TABLE / DROP)
        Wal w = start().add(100 * MS, 1000, locks(1000, DB, TABLE))
                .add(200 * MS, 1000, commit(1000, 200 * MS));
        SimulationResult r = run(w, List.of(query(1, 10 * MS, 10_000 * MS)), delay(50 * MS));

        assertThat(r.cancellations(ConflictType.LOCK)).isEqualTo(1);
        assertThat(r.queries().get(0).endMicros()).isEqualTo(150 * MS);
        assertThat(r.events().get(0).waitMicros()).isEqualTo(50 * MS);
    }

    @Test
    void bufferPinConflictCancelsTheCursorAtTheDeadline() {
        // 031: an aborted insert (old enough not to be a snapshot conflict), a cursor on the standby stopped on the
        // table's only page inside a transaction, then VACUUM on the primary: its prune needs a cleanup lock
        Block page = new Block(DB, TABLE, 0);
        Wal w = start().add(10 * MS, 1000, PLAIN).add(11 * MS, 1000, abort(1000))
                .add(100 * MS, 0, cleanup(1000, DB, page));
        StandbyQuery cursor = new StandbyQuery(1, 50 * MS, 10_000 * MS, DB, List.of(TABLE), true, List.of(page));
        SimulationResult r = run(w, List.of(cursor), delay(50 * MS));

        assertThat(r.cancellations(ConflictType.BUFFERPIN)).isEqualTo(1);
        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isZero();
        assertThat(r.fatals()).isEqualTo(1); // idle in its transaction: the session is terminated, as in 031
        assertThat(r.queries().get(0).endMicros()).isEqualTo(150 * MS); // timer-precise: receipt + 50 ms
        assertThat(r.events()).singleElement().satisfies(e -> {
            assertThat(e.type()).isEqualTo(ConflictType.BUFFERPIN);
            assertThat(e.waitMicros()).isEqualTo(50 * MS);
        });

        // a pin on another page, or no deadline, cancels nothing; -1 waits for the cursor to go
        StandbyQuery elsewhere = new StandbyQuery(1, 50 * MS, 10_000 * MS, DB, List.of(TABLE), true,
                List.of(new Block(DB, TABLE, 1)));
        assertThat(run(w, List.of(elsewhere), delay(50 * MS)).cancellations(ConflictType.BUFFERPIN)).isZero();
        SimulationResult forever = run(w, List.of(cursor), delay(StandbySettings.WAIT_FOREVER));
        assertThat(forever.cancellations(ConflictType.BUFFERPIN)).isZero();
        assertThat(forever.events().get(0).waitMicros()).isEqualTo(10_050 * MS - 100 * MS);
    }

    @Test
    void aPinHolderWaitingForAReplayedLockIsCancelledAsADeadlock() {
        // 031's startup deadlock: a prepared transaction's LOCK on table 2 is held by replay; a standby session
        // keeps a cursor's pin on table 1's page and then waits for table 2; VACUUM's prune needs that page
        int table2 = TABLE + 1;
        Block page = new Block(DB, TABLE, 0);
        Wal w = start().add(10 * MS, 1000, PLAIN).add(11 * MS, 1000, abort(1000))
                .add(20 * MS, 1001, locks(1001, DB, table2))
                .add(100 * MS, 0, cleanup(1000, DB, page));
        StandbyQuery session = new StandbyQuery(1, 50 * MS, 10_000 * MS, DB, List.of(TABLE, table2), true, List.of(page));
        StandbySettings longDelay = delay(180_000 * MS).withDeadlockTimeout(10 * MS); // as 031 sets them
        SimulationResult r = run(w, List.of(session), longDelay);

        assertThat(r.cancellations(ConflictType.DEADLOCK)).isEqualTo(1);
        assertThat(r.cancellations(ConflictType.BUFFERPIN)).isZero();
        assertThat(r.errors()).isEqualTo(1); // its statement was waiting for the lock: ERROR, not FATAL
        assertThat(r.queries().get(0).endMicros()).isEqualTo(110 * MS);
        // with a delay shorter than deadlock_timeout the pin is taken at the deadline, as a buffer-pin conflict
        SimulationResult shortDelay = run(w, List.of(session), delay(5 * MS).withDeadlockTimeout(10 * MS));
        assertThat(shortDelay.cancellations(ConflictType.BUFFERPIN)).isEqualTo(1);
        assertThat(shortDelay.cancellations(ConflictType.DEADLOCK)).isZero();
        assertThat(shortDelay.queries().get(0).endMicros()).isEqualTo(105 * MS);
    }

    @Test
    void tablespaceDropConflictsOnlyWhileTemporaryFilesRemain() {
        Wal w = start().add(100 * MS, 0, tablespaceDrop(16500));
        List<StandbyQuery> q = List.of(query(1, 10 * MS, 10_000 * MS));
        assertThat(run(w, q, delay(50 * MS)).cancellations(ConflictType.TABLESPACE)).isZero();
        SimulationResult r = run(w, q, delay(50 * MS).withTempFilesInTablespaces(true));
        assertThat(r.cancellations(ConflictType.TABLESPACE)).isEqualTo(1);
        assertThat(r.queries().get(0).endMicros()).isEqualTo(163 * MS);
    }

    @Test
    void databaseDropTerminatesItsSessionsAtOnceUncounted() {
        Wal w = start().add(100 * MS, 0, databaseDrop(DB));
        SimulationResult r = run(w, List.of(query(1, 10 * MS, 10_000 * MS),
                new StandbyQuery(2, 10 * MS, 10_000 * MS, OTHER_DB, List.of(TABLE), false)), delay(30_000 * MS));

        assertThat(r.queries().get(0).cancelledBy()).isEqualTo(ConflictType.DATABASE);
        assertThat(r.queries().get(0).endMicros()).isEqualTo(100 * MS);
        assertThat(r.queries().get(0).fatal()).isTrue();
        assertThat(r.queries().get(1).cancelledBy()).as("another database").isNull();
        assertThat(r.fatals()).isEqualTo(1);
    }

    // ------------------------------------------------------------------ the rules around them

    @Test
    void delayZeroCancelsAtTheFirstCheckAndMinusOneWaitsForever() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB))
                .add(101 * MS, 1001, PLAIN).add(102 * MS, 1001, commit(1001, 0));
        List<StandbyQuery> q = List.of(query(1, 10 * MS, 3_000 * MS));

        SimulationResult zero = run(w, q, delay(0));
        assertThat(zero.queries().get(0).endMicros()).isEqualTo(100 * MS);

        SimulationResult forever = run(w, q, delay(StandbySettings.WAIT_FOREVER));
        assertThat(forever.cancellations(ConflictType.SNAPSHOT)).isZero();
        assertThat(forever.completed()).isEqualTo(1);
        // the query ends at 3010 ms; polls ... 1123 (100 + 1023), then every second: 2123, 3123
        assertThat(forever.events().get(0).waitMicros()).isEqualTo(3_023 * MS);
        assertThat(forever.lagPercentile(100)).as("the commit behind the wait").isEqualTo((3_123 - 102) * MS);
    }

    @Test
    void onlyQueriesWhoseSnapshotIsOldEnoughInThatDatabaseConflict() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB));
        SimulationResult r = run(w, List.of(
                query(1, 10 * MS, 10_000 * MS),                       // xmin 1000: conflicts
                query(2, 50 * MS, 10_000 * MS),                       // started after 1000 committed: xmin 1001
                new StandbyQuery(3, 10 * MS, 10_000 * MS, OTHER_DB, List.of(TABLE), false)), delay(50 * MS));
        assertThat(r.queries()).extracting(SimulationResult.QueryOutcome::cancelledBy)
                .containsExactly(ConflictType.SNAPSHOT, null, null);
    }

    @Test
    void aSharedRelationConflictsInEveryDatabase() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, 0));
        SimulationResult r = run(w, List.of(query(1, 10 * MS, 10_000 * MS),
                new StandbyQuery(2, 10 * MS, 10_000 * MS, OTHER_DB, List.of(), false)), delay(50 * MS));
        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isEqualTo(2);
    }

    @Test
    void aCancelInsideATransactionBlockIsFatal() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB));
        SimulationResult r = run(w, List.of(new StandbyQuery(1, 10 * MS, 10_000 * MS, DB, List.of(TABLE), true)),
                delay(50 * MS));
        assertThat(r.fatals()).isEqualTo(1);
        assertThat(r.errors()).isZero();
    }

    @Test
    void queriesOnALockedRelationWaitForTheLockersCommit() {
        Wal w = start().add(100 * MS, 1000, locks(1000, DB, TABLE))
                .add(500 * MS, 1000, commit(1000, 500 * MS));
        SimulationResult r = run(w, List.of(query(1, 200 * MS, 100 * MS)), delay(50 * MS));
        assertThat(r.queries().get(0).startMicros()).isEqualTo(500 * MS);
        assertThat(r.queries().get(0).endMicros()).isEqualTo(600 * MS);
        assertThat(r.completed()).isEqualTo(1);
    }

    @Test
    void feedbackProtectsEveryQueryOnceTheFirstFeedbackReachedThePrimary() {
        // feedback every 10 s from t=0: a query started at 10 ms is reported at 10 s
        Wal w = committedDelete(start(), 20 * MS, 1000)
                .add(5_000 * MS, 0, cleanup(1000, DB))   // before the feedback: still a conflict
                .add(12_000 * MS, 0, cleanup(1000, DB)); // after it: the primary would have kept the rows
        List<StandbyQuery> q = List.of(query(1, 10 * MS, 20_000 * MS), query(2, 10 * MS, 20_000 * MS));
        StandbySettings feedback = delay(50 * MS).withFeedback(true);

        assertThat(run(w, q, feedback).cancellations(ConflictType.SNAPSHOT)).isEqualTo(2);
        Wal late = committedDelete(start(), 20 * MS, 1000).add(12_000 * MS, 0, cleanup(1000, DB));
        assertThat(run(late, q, feedback).cancellations(ConflictType.SNAPSHOT)).isZero();
        assertThat(run(late, q, delay(50 * MS)).cancellations(ConflictType.SNAPSHOT)).isEqualTo(2);

        // a query that starts after the first feedback is covered at once: its xmin is at or after the oldest
        // running xid the standby had replayed, which that feedback already reported (the validation runs saw no
        // snapshot conflict with feedback on in ~500 queries on 15 and 17)
        Wal afterFirst = committedDelete(start(), 20 * MS, 1000).add(10_900 * MS, 1001, PLAIN)
                .add(11_200 * MS, 1001, commit(1001, 0))  // running when query 3 began
                .add(11_500 * MS, 0, cleanup(1001, DB));
        List<StandbyQuery> laterQuery = List.of(query(3, 11_000 * MS, 20_000 * MS));
        assertThat(run(afterFirst, laterQuery, feedback).cancellations(ConflictType.SNAPSHOT)).isZero();
        assertThat(run(afterFirst, laterQuery, delay(50 * MS)).cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
    }

    @Test
    void aQueryWaitingForAReplayedLockIsASnapshotConflictWithTheSnapshotItWaitsWith() {
        // xid 1001 locks the table; a query on it arrives and waits, with the snapshot its parse analysis took (xid
        // 1001 running: xmin 1001); a cleanup with horizon 1001 then conflicts with it, although it has not started
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 1001, locks(1001, DB, TABLE))
                .add(300 * MS, 1002, PLAIN).add(301 * MS, 1002, commit(1002, 0))
                .add(400 * MS, 0, cleanup(1001, DB))
                .add(1_000 * MS, 1001, commit(1001, 0));
        List<StandbyQuery> q = List.of(query(1, 200 * MS, 500 * MS));
        SimulationResult r = run(w, q, delay(50 * MS));
        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
        // deadline 450 ms; polls at 400, 401, 403, 407, 415, 431, 463 ms
        assertThat(r.queries().get(0).endMicros()).isEqualTo(463 * MS);
        // without a deadline it waits; once 1001's commit releases the lock it runs with a new snapshot
        SimulationResult never = run(w, q, delay(StandbySettings.WAIT_FOREVER));
        assertThat(never.cancellations(ConflictType.SNAPSHOT)).isZero();
        assertThat(never.queries().get(0).startMicros()).isEqualTo(1_000 * MS);
        assertThat(never.queries().get(0).snapshotXmin()).isEqualTo(1003);
    }

    @Test
    void feedbackProtectsFromTheTimeGivenInsteadOfOneStatusIntervalAfterTheFirstReceipt() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(5_000 * MS, 0, cleanup(1000, DB));
        List<StandbyQuery> q = List.of(query(1, 10 * MS, 20_000 * MS));
        StandbySettings feedback = delay(50 * MS).withFeedback(true);
        assertThat(run(w, q, feedback).cancellations(ConflictType.SNAPSHOT)).isEqualTo(1); // first feedback at 10 s
        assertThat(run(w, q, feedback.withFeedbackSince(4_000 * MS)).cancellations(ConflictType.SNAPSHOT)).isZero();
        assertThat(run(w, q, feedback.withFeedbackSince(6_000 * MS)).cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ closed-loop clients

    /**
     * A backlog received at 1 s: {@code cleanups} cleanup records, each followed by a transaction, so that each one's
     * horizon is the transaction replayed just before it (a standby behind a primary that keeps pruning).
     */
    private static Wal backlogOfCleanups(int cleanups) {
        Wal w = committedDelete(start(), 20 * MS, 1000);
        for (int k = 0; k < cleanups; k++) {
            w.add(1_000 * MS, 0, cleanup(1000 + k, DB)).add(1_000 * MS, 1001 + k, PLAIN)
                    .add(1_000 * MS, 1001 + k, commit(1001 + k, 0));
        }
        return w;
    }

    /** {@code n} clients from 10 ms to 60 s running 60 s queries on the table. */
    private static StandbyClients clients(int n, StandbyClients.RetryPolicy retry) {
        StandbyClients.QueryKind onTable = new StandbyClients.QueryKind(1, DB, List.of(TABLE), false, List.of());
        return new StandbyClients(n, 10 * MS, 60_000 * MS,
                new StandbyClients.QueryMix(60_000 * MS, false, List.of(onTable)), retry, 1);
    }

    private static long lastLag(SimulationResult r) {
        return r.lag().get(r.lag().size() - 1).lagMicros();
    }

    @Test
    void aClientThatRetriesAtOnceIsCancelledByEveryCleanupWhileReplayIsBehind() {
        Wal w = backlogOfCleanups(10);
        // each retry (1 ms after its cancel, while replay sleeps 5 ms) takes a snapshot of the replayed state, one
        // transaction behind the next cleanup record: every cleanup cancels it again, and each cancel costs 5 ms
        SimulationResult loop = Simulator.run(w.records, w.receipts, List.of(),
                clients(1, StandbyClients.RetryPolicy.atOnce()), delay(0), SEGMENT);
        assertThat(loop.cancellations(ConflictType.SNAPSHOT)).isEqualTo(10);
        assertThat(loop.queries()).hasSize(11);
        assertThat(loop.queries().get(1).startMicros()).isEqualTo(1_001 * MS);
        assertThat(loop.queries().get(1).snapshotXmin()).isEqualTo(1001);
        assertThat(lastLag(loop)).isEqualTo(10 * 5 * MS);

        // four such clients: four victims per cleanup record, 20 ms of replay each
        SimulationResult four = Simulator.run(w.records, w.receipts, List.of(),
                clients(4, StandbyClients.RetryPolicy.atOnce()), delay(0), SEGMENT);
        assertThat(four.cancellations(ConflictType.SNAPSHOT)).isEqualTo(40);
        assertThat(lastLag(four)).isEqualTo(40 * 5 * MS);

        // the same first query with a fixed start time (a trace) is cancelled once, and replay catches up at once
        SimulationResult trace = run(w, List.of(query(1, 10 * MS, 60_000 * MS)), delay(0));
        assertThat(trace.cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
        assertThat(lastLag(trace)).isEqualTo(5 * MS);

        // what a cancellation costs the startup process is a setting: victims slow to end cost more
        SimulationResult slow = Simulator.run(w.records, w.receipts, List.of(),
                clients(1, StandbyClients.RetryPolicy.atOnce()), delay(0).withCancelCost(10 * MS), SEGMENT);
        assertThat(lastLag(slow)).isEqualTo(10 * 10 * MS);
    }

    @Test
    void aClientThatBacksOffRetriesWithAFreshSnapshotOnceReplayCaughtUp() {
        Wal w = backlogOfCleanups(10);
        StandbyClients.RetryPolicy backoff = new StandbyClients.RetryPolicy(true, 100 * MS, 2, 1_000 * MS, 0);
        SimulationResult r = Simulator.run(w.records, w.receipts, List.of(), clients(1, backoff), delay(0), SEGMENT);
        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
        assertThat(r.queries().get(1).startMicros()).isEqualTo(1_100 * MS);
        assertThat(r.queries().get(1).snapshotXmin()).isEqualTo(1011);
        assertThat(List.of(backoff.retryDelay(1), backoff.retryDelay(2), backoff.retryDelay(3), backoff.retryDelay(4),
                backoff.retryDelay(5))).containsExactly(100 * MS, 200 * MS, 400 * MS, 800 * MS, 1_000 * MS);
    }

    @Test
    void aClientStartsItsNextQueryAfterItsThinkTimeUntilItsEnd() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(2_000 * MS, 0, PLAIN);
        StandbyClients.QueryKind kind = new StandbyClients.QueryKind(1, DB, List.of(TABLE), false, List.of());
        StandbyClients c = new StandbyClients(1, 0, 1_000 * MS, new StandbyClients.QueryMix(100 * MS, false,
                List.of(kind)), new StandbyClients.RetryPolicy(true, MS, 1, MS, 50 * MS), 1);
        SimulationResult r = Simulator.run(w.records, w.receipts, List.of(query(1, 0, 10 * MS)), c, delay(0), SEGMENT);
        // the trace's query 1, then the client's, numbered after it, every 150 ms from 0 until 1 s
        assertThat(r.queries()).extracting(SimulationResult.QueryOutcome::id).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(r.queries().subList(1, 8)).extracting(SimulationResult.QueryOutcome::startMicros)
                .containsExactly(0L, 150 * MS, 300 * MS, 450 * MS, 600 * MS, 750 * MS, 900 * MS);
        assertThat(r.completed()).isEqualTo(8);
    }

    @Test
    void aClientsQueryMixIsDrawnByWeightAndTheSameSeedGivesTheSameQueries() {
        StandbyClients.QueryKind a = new StandbyClients.QueryKind(3, DB, List.of(TABLE), false, List.of());
        StandbyClients.QueryKind b = new StandbyClients.QueryKind(1, DB, List.of(), true, List.of(new Block(DB, TABLE, 0)));
        StandbyClients.QueryMix mix = new StandbyClients.QueryMix(2_000 * MS, true, List.of(a, b));
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        int kindA = 0;
        double total = 0;
        for (int i = 0; i < 4_000; i++) {
            StandbyClients.Draw d = mix.draw(random);
            kindA += d.kind() == a ? 1 : 0;
            total += d.durationMicros();
        }
        assertThat(kindA).isBetween(2_800, 3_200);
        assertThat(total / 4_000).isBetween(1_800.0 * MS, 2_200.0 * MS);
        Wal w = backlogOfCleanups(3);
        StandbyClients c = new StandbyClients(2, 0, 5_000 * MS, mix, StandbyClients.RetryPolicy.atOnce(), 5);
        assertThat(Simulator.run(w.records, w.receipts, List.of(), c, delay(0), SEGMENT))
                .isEqualTo(Simulator.run(w.records, w.receipts, List.of(), c, delay(0), SEGMENT));
    }

    @Test
    void queriesStartedWhileReplayIsBlockedAreCancelledByTheNextCleanup() {
        // the pilot's cascade: replay waits for query 1; queries 2 and 3 start meanwhile, with the old state
        Wal w = committedDelete(start(), 20 * MS, 1000)
                .add(100 * MS, 0, cleanup(1000, DB))
                .add(110 * MS, 1001, PLAIN).add(111 * MS, 1001, commit(1001, 0))
                .add(120 * MS, 0, cleanup(1001, DB));
        SimulationResult r = run(w, List.of(query(1, 10 * MS, 10_000 * MS), query(2, 300 * MS, 10_000 * MS),
                query(3, 600 * MS, 10_000 * MS)), delay(1_000 * MS));
        // the second cleanup arrived at 120 ms, so its deadline (1120 ms) has nearly passed when replay gets to it
        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isEqualTo(3);
        assertThat(r.queries().get(1).endMicros()).isLessThan(1_200 * MS);
    }

    @Test
    void aRunningXactsNamingAnAlreadyReplayedCommitDoesNotHoldBackTheXmin() {
        // the primary takes the snapshot, 1000 commits, then the RUNNING_XACTS that still lists 1000 is written
        // (seen in real WAL by the validation run): the standby only expires older xids with it
        Wal w = committedDelete(start(), 20 * MS, 1000).add(30 * MS, 0, runningXacts(1001, 1000, 999, 1000))
                .add(100 * MS, 0, cleanup(1000, DB));
        SimulationResult r = run(w, List.of(query(1, 50 * MS, 10_000 * MS)), delay(50 * MS));
        assertThat(r.queries().get(0).snapshotXmin()).isEqualTo(1001);
        assertThat(r.cancellations(ConflictType.SNAPSHOT)).isZero();
    }

    @Test
    void anXidSkippedInTheWalCountsAsRunningUntilARunningXactsExpiresIt() {
        // xid 1000 was assigned but wrote nothing (yet); 1001 commits: a snapshot now has xmin 1000, as on a
        // standby (RecordKnownAssignedTransactionIds fills the gap) ...
        Wal w = committedDelete(start(), 20 * MS, 1001).add(100 * MS, 0, cleanup(1000, DB))
                .add(200 * MS, 0, runningXacts(1002, 1002, 1001));
        SimulationResult r = run(w, List.of(query(1, 50 * MS, 10 * MS), query(2, 300 * MS, 10 * MS)), delay(50 * MS));
        assertThat(r.queries().get(0).snapshotXmin()).isEqualTo(1000);
        // ... until a RUNNING_XACTS says the oldest running xid is past it
        assertThat(r.queries().get(1).snapshotXmin()).isEqualTo(1002);
    }

    @Test
    void plainRecordsOfOneMessageTakenTogetherReplayAsTheyDidOneByOne() {
        // four messages of 50 plain records each (one new xid at the start of each), then a commit and a cleanup
        Wal w = start();
        List<Receipt> receipts = new ArrayList<>(w.receipts);
        List<ReplayRecord> records = new ArrayList<>(w.records);
        long lsn = w.lsn;
        for (int m = 0; m < 4; m++) {
            long from = lsn;
            for (int i = 0; i < 50; i++, lsn += 64) {
                records.add(new ReplayRecord(PLAIN.apply(lsn), lsn + 64, i == 0 ? 1000 + m : 0));
            }
            receipts.add(new Receipt(from, lsn, 10 * MS + m * 100));
        }
        records.add(new ReplayRecord(commit(1003, 0).apply(lsn), lsn + 64, 1003));
        receipts.add(new Receipt(lsn, lsn + 64, 10 * MS + 450));
        lsn += 64;
        records.add(new ReplayRecord(cleanup(1002, DB).apply(lsn), lsn + 64, 0));
        receipts.add(new Receipt(lsn, lsn + 64, 30 * MS));

        List<ReplayRecord> merged = new ArrayList<>();
        for (ReplayRecord r : records) {
            int last = merged.size() - 1;
            if (last >= 0 && merged.get(last).mergesWith(r)) {
                merged.set(last, merged.get(last).followedBy(r));
            } else {
                merged.add(r);
            }
        }
        assertThat(merged).hasSize(1 + 4 + 2);
        assertThat(merged.get(1).records()).isEqualTo(50);
        List<StandbyQuery> q = List.of(query(1, 25 * MS, 10_000 * MS));
        // 7 µs per record: a message takes 350 µs, more than the 100 µs between messages, so replay falls behind
        StandbySettings s = StandbySettings.defaults().withDelay(50 * MS).withApplyCost(7);
        SimulationResult one = Simulator.run(records, receipts, q, s, SEGMENT);
        SimulationResult together = Simulator.run(merged, receipts, q, s, SEGMENT);
        assertThat(together).isEqualTo(one);
        // the messages arrive from 10.0 ms and are replayed by 10.0 + 4 x 0.35 = 11.4 ms; the commit, received at
        // 10.45 ms, is replayed at 11.407 ms
        assertThat(one.lag().get(0).lagMicros()).isEqualTo(957);
        assertThat(one.cancellations(ConflictType.SNAPSHOT)).isEqualTo(1);
    }

    @Test
    void eachRecordCostsWhatItsResourceManagerCostsAndTheNanosecondsLeftOverCarry() {
        // all received at once: RUNNING_XACTS (Standby, the default 1 us), three heap records of 2.5 us, a commit of 4 us
        Wal w = new Wal().add(0, 0, runningXacts(1000, 1000, 999)).add(0, 1000, PLAIN).add(0, 1000, PLAIN)
                .add(0, 1000, PLAIN).add(0, 1000, commit(1000, 0));
        StandbySettings s = delay(0).withApplyCosts(new ApplyCosts(1_000, Map.of("Heap", 2_500L, "Transaction", 4_000L)));
        // 1 + 2.5 * 3 + 4 = 12.5 us: the commit is replayed 12 us after it arrived, half a microsecond carried
        assertThat(run(w, List.of(), s).lag()).singleElement().satisfies(l -> assertThat(l.lagMicros()).isEqualTo(12));
        // the same three heap records taken together as one cost as much
        Wal merged = new Wal().add(0, 0, runningXacts(1000, 1000, 999));
        ReplayRecord heap = new ReplayRecord(PLAIN.apply(merged.lsn), merged.lsn + 192, 1000, 3);
        merged.records.add(heap);
        merged.receipts.add(new Receipt(merged.lsn, merged.lsn + 192, 0));
        merged.lsn += 192;
        merged.add(0, 1000, commit(1000, 0));
        assertThat(run(merged, List.of(), s).lag().get(0).lagMicros()).isEqualTo(12);
    }

    @Test
    void theSameInputGivesTheSameResult() {
        Wal w = committedDelete(start(), 20 * MS, 1000).add(100 * MS, 0, cleanup(1000, DB));
        List<StandbyQuery> q = List.of(query(1, 10 * MS, 10_000 * MS), query(2, 20 * MS, 50 * MS));
        assertThat(run(w, q, delay(50 * MS))).isEqualTo(run(w, q, delay(50 * MS)));
    }
}
