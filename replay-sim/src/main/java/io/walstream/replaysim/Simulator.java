package io.walstream.replaysim;

import io.walstream.protocol.wal.conflict.ConflictRecord;
import io.walstream.protocol.wal.conflict.ConflictRecord.DatabaseDrop;
import io.walstream.protocol.wal.conflict.ConflictRecord.Lock;
import io.walstream.protocol.wal.conflict.ConflictRecord.RunningXacts;
import io.walstream.protocol.wal.conflict.ConflictRecord.SnapshotConflict;
import io.walstream.protocol.wal.conflict.ConflictRecord.StandbyLocks;
import io.walstream.protocol.wal.conflict.ConflictRecord.TablespaceDrop;
import io.walstream.protocol.wal.conflict.ConflictRecord.TransactionEnd;
import io.walstream.replaysim.SimulationResult.ConflictEvent;
import io.walstream.replaysim.SimulationResult.LagSample;
import io.walstream.replaysim.SimulationResult.QueryOutcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A hot standby's startup process replaying WAL while read-only queries run, as a discrete-event
 * model of PostgreSQL's {@code standby.c} (the rules, with line references, are in the repository's
 * {@code docs/recovery-conflicts.md}, section 1). Its records are the decoder's {@link ConflictRecord}s
 * ({@link ReplayRecord}). Deterministic: the same input gives the same result.
 *
 * <ul>
 *   <li>The startup process is one FIFO server: a record is replayed once it has been received, after
 *       the previous one, taking {@link StandbySettings#applyCosts()} (by resource manager).</li>
 *   <li>Deadline = receipt time + delay. Streaming: the receipt time is renewed only when the startup
 *       process has used up what it knew was flushed and re-asks, and only when the newest chunk starts
 *       at or before the record it reads (so a standby that is behind keeps an old receipt time and
 *       its queries get less grace). Archive: the time the segment was opened. Delay -1: no deadline;
 *       0: the deadline has passed at the first check.</li>
 *   <li>Snapshot (and tablespace) conflicts: the waitlist is fixed when the record is met, and handled
 *       one query at a time with polls at 0, 1, 3, 7, ... ms (the sleep doubles to 1 s), the backoff
 *       reset for each, a sleep cut short by the progress timer's tick; a query past the deadline is cancelled and the
 *       process sleeps 5 ms
 *       ({@link StandbySettings#cancelCostMicros()}: more when victims are slow to end, as standby.c signals and
 *       sleeps again until they have).</li>
 *   <li>Lock conflicts: timer-precise; at the deadline every holder is cancelled. The startup process
 *       then holds the AccessExclusiveLock until the transaction's end is replayed, and queries on that
 *       relation wait for it, with the snapshot their parse analysis took: a cleanup record meanwhile can cancel
 *       them (at the deadline; with none they would wait for each other for ever, and the model lets them be).</li>
 *   <li>Database drops cancel the database's sessions at once (FATAL, not counted).</li>
 *   <li>A query's snapshot xmin is the oldest transaction running at the replayed position when it
 *       starts (as KnownAssignedXids: the first RUNNING_XACTS, then every xid up to the newest seen in a record,
 *       until its end is replayed or a later RUNNING_XACTS's oldest running xid passes it), else latestCompletedXid + 1;
 *       before the first RUNNING_XACTS it has none and conflicts with no cleanup.</li>
 *   <li>hot_standby_feedback (approximation): the first feedback reaches the primary one status interval
 *       after the stream starts (or at {@link StandbySettings#feedbackSinceMicros()}); from then on no cleanup record is a snapshot conflict, because the standby
 *       reports the oldest xmin of its queries and of what its replay sees running, and a later query's xmin is
 *       never older than that (holding back cleanup changes the primary's WAL too; that is not modelled).
 *       Lock, database and tablespace conflicts are unaffected, as in PostgreSQL.</li>
 *   <li>Buffer pins: a cleanup record's page pinned by a query (given as input: WAL does not tell) is waited
 *       for until the last pin goes, and at the deadline, timer-precise, the holders are cancelled. A query
 *       holds its pins from its start, also while it waits for a lock replay holds; such a query is a deadlock
 *       and is cancelled after deadlock_timeout.</li>
 *   <li>Queries come from a list with fixed start times (a trace), from closed-loop {@link StandbyClients} (each
 *       starts its next query when the last one ended, a cancelled one again after its retry delay), or both.</li>
 *   <li>Not modelled: logical-slot conflicts.</li>
 * </ul>
 */
public final class Simulator {

    private static final long FIRST_POLL_MICROS = 1_000;
    private static final long MAX_POLL_MICROS = 1_000_000;
    private static final long DATABASE_CANCEL_LOOP_MICROS = 10_000;

    private final StandbySettings settings;
    private final long segmentBytes;
    private final List<Receipt> receipts;
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(
            Comparator.comparingLong((Pending p) -> p.query.startMicros()).thenComparingInt(p -> p.query.id()));
    private final StandbyClients clients;
    /** Sessions of clients whose next query is not planned yet. */
    private final List<Session> clientSessions = new ArrayList<>();
    private int nextQueryId;
    private int receiptIndex;
    private long applyNanosLeft;

    private final List<Session> sessions = new ArrayList<>();
    private final List<Session> active = new ArrayList<>();
    /** Relations the startup process holds AccessExclusiveLock on, by the xid that took them. */
    private final Map<Long, Integer> heldLocks = new HashMap<>();
    private final List<Session> waitingForLock = new ArrayList<>();

    private final Set<Integer> runningXids = new HashSet<>();
    private int latestCompletedXid;
    private int latestObservedXid;
    private boolean xidStateKnown;
    private final Set<Integer> endedBeforeSnapshot = new HashSet<>();

    private long receiptTime;
    private long cachedFlushedUpto = -1;
    private long currentSegment = -1;
    /** From when the primary has the standby's feedback. */
    private final long feedbackFrom;
    /** A time the progress timer ticks. */
    private final long timerPhase;

    private final Map<ConflictType, Integer> counts = new EnumMap<>(ConflictType.class);
    private final List<ConflictEvent> events = new ArrayList<>();
    private final List<LagSample> lag = new ArrayList<>();

    private Simulator(List<Receipt> receipts, List<StandbyQuery> queries, StandbyClients clients,
            StandbySettings settings, long segmentBytes) {
        this.settings = settings;
        this.segmentBytes = segmentBytes;
        this.receipts = receipts.stream().sorted(Comparator.comparingLong(Receipt::dataStart)).toList();
        this.clients = clients;
        int maxId = 0;
        for (StandbyQuery q : queries) {
            pending.add(new Pending(q, null));
            maxId = Math.max(maxId, q.id());
        }
        nextQueryId = maxId + 1;
        if (clients != null) {
            for (int i = 0; i < clients.count(); i++) {
                planNew(new Client(clients.random(i)), clients.fromMicros());
            }
        }
        long firstReceipt = this.receipts.isEmpty() ? 0 : this.receipts.get(0).receivedMicros();
        this.feedbackFrom = settings.feedbackSinceMicros() != StandbySettings.FEEDBACK_AFTER_FIRST_STATUS
                ? settings.feedbackSinceMicros() : firstReceipt + Math.max(1, settings.statusIntervalMicros());
        this.timerPhase = settings.progressTimerPhaseMicros() != StandbySettings.TIMER_FROM_FIRST_RECEIPT
                ? settings.progressTimerPhaseMicros() : firstReceipt;
    }

    /**
     * Replays {@code records} (in WAL order) as received per {@code receipts}, with {@code queries} arriving
     * on the standby. {@code segmentBytes} is the WAL segment size (archive receipt times are per segment).
     */
    public static SimulationResult run(List<ReplayRecord> records, List<Receipt> receipts, List<StandbyQuery> queries,
            StandbySettings settings, long segmentBytes) {
        return run(records, receipts, queries, null, settings, segmentBytes);
    }

    /**
     * As {@link #run(List, List, List, StandbySettings, long)}, with closed-loop {@code clients} (null for none) besides
     * the fixed {@code queries}; the clients' queries are numbered after the highest id of {@code queries}.
     */
    public static SimulationResult run(List<ReplayRecord> records, List<Receipt> receipts, List<StandbyQuery> queries,
            StandbyClients clients, StandbySettings settings, long segmentBytes) {
        Simulator s = new Simulator(receipts, queries, clients, settings, segmentBytes);
        return s.replay(records);
    }

    private SimulationResult replay(List<ReplayRecord> records) {
        long now = receipts.isEmpty() ? 0 : receipts.get(0).receivedMicros();
        for (ReplayRecord r : records) {
            long received = receivedAt(r.endLsn());
            now = Math.max(now, received);
            startQueriesUntil(now);
            renewReceiptTime(r, now);
            now = resolve(r, now);
            startQueriesUntil(now);
            now += applyMicros(r);
            apply(r, now, received);
        }
        startQueriesUntil(Long.MAX_VALUE);
        return result();
    }

    /** What applying {@code r} costs, in whole microseconds; the nanoseconds left over count towards the next record. */
    private long applyMicros(ReplayRecord r) {
        long nanos = applyNanosLeft + settings.applyCosts().nanosOf(r);
        applyNanosLeft = nanos % 1000;
        return nanos / 1000;
    }

    // ------------------------------------------------------------------ receipt times

    /** When the message holding the end of a record arrived (records are replayed only once whole). */
    private long receivedAt(long endLsn) {
        while (receiptIndex < receipts.size() && receipts.get(receiptIndex).dataEnd() < endLsn) {
            receiptIndex++;
        }
        if (receiptIndex == receipts.size()) {
            throw new IllegalArgumentException("no receipt covers WAL up to " + Long.toHexString(endLsn));
        }
        return receipts.get(receiptIndex).receivedMicros();
    }

    private void renewReceiptTime(ReplayRecord r, long now) {
        if (!settings.streaming()) {
            long segment = r.lsn() / segmentBytes;
            if (segment != currentSegment) {
                currentSegment = segment;
                receiptTime = now; // restore_command ran and the file was opened now
            }
            return;
        }
        if (r.lsn() < cachedFlushedUpto) {
            return; // still inside what the walreceiver had flushed when we last asked
        }
        Receipt latest = latestReceivedBy(now);
        cachedFlushedUpto = latest.dataEnd();
        if (latest.dataStart() <= r.lsn()) {
            receiptTime = now;
        }
    }

    private Receipt latestReceivedBy(long now) {
        int i = receiptIndex;
        while (i + 1 < receipts.size() && receipts.get(i + 1).receivedMicros() <= now) {
            i++;
        }
        return receipts.get(i);
    }

    /**
     * The first tick of the startup process's progress timer after {@code t} (never with no timer). PostgreSQL arms it
     * (every log_startup_progress_interval) before redo and does not stop it in standby mode; its signal cuts short
     * the sleep of a conflict wait's poll, and since the next sleep doubles anyway, the 1 s polls that follow fall a
     * whole step earlier: a 1 s wait that meets a tick ends up to a second late.
     */
    private long nextTimerTick(long t) {
        long interval = settings.progressTimerMicros();
        if (interval <= 0) {
            return Long.MAX_VALUE;
        }
        return t + interval - Math.floorMod(t - timerPhase, interval);
    }

    private long deadline() {
        long delay = settings.maxStandbyDelayMicros();
        return delay < 0 ? Long.MAX_VALUE : receiptTime + delay;
    }

    // ------------------------------------------------------------------ conflicts

    /** Resolves what {@code r} conflicts with, starting at {@code now}; returns when replay goes on. */
    private long resolve(ReplayRecord r, long now) {
        ConflictRecord e = r.decoded();
        if (e instanceof SnapshotConflict c) {
            int horizon = (int) c.snapshotConflictHorizon();
            long t = horizon == 0 ? now : waitForEach(r, ConflictType.SNAPSHOT, now,
                    snapshotVictims(horizon, (int) c.relation().database(), receivedAt(r.endLsn()), now));
            Block page = Block.cleanupLockedBy(c);
            return page == null ? t : waitForCleanupLock(r, page, t);
        }
        if (e instanceof TablespaceDrop) {
            return settings.tempFilesInTablespaces() ? waitForEach(r, ConflictType.TABLESPACE, now, activeAt(now)) : now;
        }
        if (e instanceof DatabaseDrop d) {
            return dropDatabase(r, (int) d.database(), now);
        }
        if (e instanceof StandbyLocks l) {
            long t = now;
            for (Lock lock : l.locks()) {
                t = acquireLock(r, lock, t);
            }
            return t;
        }
        return now;
    }

    /** Queries in {@code dbOid} (0: a shared relation, every database) whose snapshot xmin is at or before {@code horizon}. */
    private List<Session> snapshotVictims(int horizon, int dbOid, long recordReceived, long now) {
        List<Session> victims = new ArrayList<>();
        for (Session s : activeAt(now)) {
            boolean inDatabase = dbOid == 0 || s.query.dbOid() == dbOid;
            if (inDatabase && s.xmin != 0 && precedesOrEquals(s.xmin, horizon) && !protectedByFeedback(recordReceived)) {
                victims.add(s);
            }
        }
        // a query waiting for a lock replay holds has the snapshot its parse analysis took; it cannot end before
        // replay releases the lock, so only a deadline ends the wait (with none, PostgreSQL would wait for ever)
        if (settings.maxStandbyDelayMicros() >= 0) {
            for (Session s : waitingForLock) {
                boolean inDatabase = dbOid == 0 || s.query.dbOid() == dbOid;
                if (inDatabase && s.waitingXmin != 0 && precedesOrEquals(s.waitingXmin, horizon)
                        && !protectedByFeedback(recordReceived)) {
                    victims.add(s);
                }
            }
        }
        return victims;
    }

    /**
     * With hot_standby_feedback the standby reports the oldest xmin of its queries and of the transactions its
     * replay still sees running; the primary removes nothing newer. A later query's xmin is never older than what
     * its replay saw running, so once one feedback has reached the primary no cleanup it generates conflicts.
     */
    private boolean protectedByFeedback(long recordReceived) {
        return settings.hotStandbyFeedback() && recordReceived >= feedbackFrom;
    }

    /** ResolveRecoveryConflictWithVirtualXIDs: one victim at a time, polling with a doubling sleep. */
    private long waitForEach(ReplayRecord r, ConflictType type, long now, List<Session> waitlist) {
        if (waitlist.isEmpty()) {
            return now;
        }
        long deadline = deadline();
        long t = now;
        List<Integer> cancelled = new ArrayList<>();
        for (Session s : waitlist) {
            long sleep = FIRST_POLL_MICROS;
            boolean waiting = waitingForLock.contains(s);
            while (waiting || s.end > t) {
                if (t >= deadline) {
                    if (waiting) {
                        waitingForLock.remove(s);
                        s.start = s.query.startMicros();
                    }
                    cancel(s, t, type);
                    cancelled.add(s.query.id());
                    t += settings.cancelCostMicros();
                    break;
                }
                t = Math.min(t + sleep, nextTimerTick(t)); // the timer's SIGALRM ends pg_usleep early
                sleep = Math.min(sleep * 2, MAX_POLL_MICROS);
            }
        }
        events.add(new ConflictEvent(r.lsn(), type, now, t - now, cancelled));
        return t;
    }

    /**
     * LockBufferForCleanup in recovery (ResolveRecoveryConflictWithBufferPin): wait until no query pins the page,
     * woken by the last unpin, the holders cancelled at the deadline. A holder that is itself waiting for a lock
     * replay holds can never let go: when deadlock_timeout comes before the deadline it is cancelled then, as a
     * deadlock (STARTUP_DEADLOCK), else with the others at the deadline.
     */
    private long waitForCleanupLock(ReplayRecord r, Block block, long now) {
        long t = now;
        List<Session> stuck = new ArrayList<>();
        for (Session s : waitingForLock) {
            if (s.query.pinnedBlocks().contains(block)) {
                stuck.add(s);
            }
        }
        if (!stuck.isEmpty()) {
            long deadlockAt = now + settings.deadlockTimeoutMicros();
            boolean deadlock = deadlockAt < deadline();
            t = deadlock ? deadlockAt : Math.max(now, deadline());
            ConflictType type = deadlock ? ConflictType.DEADLOCK : ConflictType.BUFFERPIN;
            List<Integer> cancelled = new ArrayList<>();
            for (Session s : stuck) {
                waitingForLock.remove(s);
                s.start = s.query.startMicros();
                cancel(s, t, type);
                s.fatal = false; // a statement waiting for a lock, not a session idle in a transaction
                cancelled.add(s.query.id());
            }
            events.add(new ConflictEvent(r.lsn(), type, now, t - now, cancelled));
        }
        List<Session> holders = new ArrayList<>();
        for (Session s : activeAt(t)) {
            if (s.query.pinnedBlocks().contains(block)) {
                holders.add(s);
            }
        }
        return waitTimerPrecise(r, ConflictType.BUFFERPIN, holders, t);
    }

    /** StandbyAcquireAccessExclusiveLock: wait for the holders, cancelling them at the deadline. */
    private long acquireLock(ReplayRecord r, Lock lock, long now) {
        int dbOid = (int) lock.database();
        int relOid = (int) lock.relation();
        List<Session> holders = new ArrayList<>();
        for (Session s : activeAt(now)) {
            if (s.query.relations().contains(relOid) && (dbOid == 0 || s.query.dbOid() == dbOid)) {
                holders.add(s);
            }
        }
        long t = waitTimerPrecise(r, ConflictType.LOCK, holders, now);
        heldLocks.put(lockKey(dbOid, relOid), (int) lock.xid());
        return t;
    }

    /**
     * Lock and buffer-pin waits sleep on a timer, not on polls: replay goes on when the last holder ends, or at the
     * deadline (at once when it has passed) with every holder still there cancelled.
     */
    private long waitTimerPrecise(ReplayRecord r, ConflictType type, List<Session> holders, long now) {
        if (holders.isEmpty()) {
            return now;
        }
        long deadline = deadline();
        long released = holders.stream().mapToLong(s -> s.end).max().orElse(now);
        long t;
        List<Integer> cancelled = new ArrayList<>();
        if (released <= deadline) {
            t = released;
        } else {
            t = Math.max(now, deadline);
            for (Session s : holders) {
                if (s.end > t) {
                    cancel(s, t, type);
                    cancelled.add(s.query.id());
                }
            }
        }
        events.add(new ConflictEvent(r.lsn(), type, now, t - now, cancelled));
        return t;
    }

    private long dropDatabase(ReplayRecord r, int dbOid, long now) {
        List<Integer> cancelled = new ArrayList<>();
        for (Session s : activeAt(now)) {
            if (s.query.dbOid() == dbOid) {
                cancel(s, now, ConflictType.DATABASE);
                cancelled.add(s.query.id());
            }
        }
        if (cancelled.isEmpty()) {
            return now;
        }
        events.add(new ConflictEvent(r.lsn(), ConflictType.DATABASE, now, DATABASE_CANCEL_LOOP_MICROS, cancelled));
        return now + DATABASE_CANCEL_LOOP_MICROS;
    }

    private void cancel(Session s, long at, ConflictType type) {
        s.end = at;
        s.cancelledBy = type;
        s.fatal = type == ConflictType.DATABASE || s.query.inTransactionBlock();
        counts.merge(type, 1, Integer::sum);
        if (s.client != null && clientSessions.remove(s)) {
            planNext(s);
        }
    }

    // ------------------------------------------------------------------ replayed state

    private void apply(ReplayRecord r, long now, long received) {
        if (r.xid() != 0) {
            observe(r.xid());
        }
        if (r.decoded() instanceof TransactionEnd x) {
            for (long sub : x.subxids()) {
                observe((int) sub);
            }
            end((int) x.xid());
            for (long sub : x.subxids()) {
                end((int) sub);
            }
            releaseLocksOf((int) x.xid(), x.subxids(), now);
            lag.add(new LagSample(r.endLsn(), now, now - received));
        } else if (r.decoded() instanceof RunningXacts rx) {
            if (!xidStateKnown) {
                // ProcArrayApplyRecoveryInfo: the first one initialises the known xids, leaving out those whose end
                // was already replayed (the record is written after it is taken: a commit can come in between)
                for (long logged : rx.xids()) {
                    int xid = (int) logged;
                    if (!endedBeforeSnapshot.contains(xid)) {
                        runningXids.add(xid);
                    }
                }
                endedBeforeSnapshot.clear();
                latestCompletedXid = (int) rx.latestCompletedXid();
                latestObservedXid = (int) rx.nextXid() - 1;
                xidStateKnown = true;
            }
            // afterwards it only expires what is older than its oldest running xid: xids it lists may have ended since
            int oldestRunning = (int) rx.oldestRunningXid();
            runningXids.removeIf(xid -> precedes(xid, oldestRunning));
        }
    }

    /**
     * RecordKnownAssignedTransactionIds: an xid newer than any seen means every xid up to it has been assigned
     * (some may never write WAL), so all of them count as running until they end or a RUNNING_XACTS expires them.
     */
    private void observe(int xid) {
        if (!xidStateKnown || !precedes(latestObservedXid, xid)) {
            return;
        }
        for (int x = latestObservedXid + 1; precedesOrEquals(x, xid); x++) {
            if (x != 0 && x != 1 && x != 2) { // not the special xids a counter passes after wraparound
                runningXids.add(x);
            }
        }
        latestObservedXid = xid;
    }

    private void end(int xid) {
        if (!xidStateKnown) {
            endedBeforeSnapshot.add(xid);
            return;
        }
        runningXids.remove(xid);
        latestCompletedXid = later(latestCompletedXid, xid);
    }

    private void releaseLocksOf(int xid, List<Long> subxids, long now) {
        if (heldLocks.values().removeIf(holder -> holder == xid || contains(subxids, holder))) {
            List<Session> ready = new ArrayList<>(waitingForLock);
            waitingForLock.clear();
            for (Session s : ready) {
                startOrWait(s, now);
            }
        }
    }

    // ------------------------------------------------------------------ queries

    /**
     * Starts every query due by {@code now}, in time order; a client's query that ended by then plans the client's next
     * one, which may be due by {@code now} too. Replay applies nothing meanwhile, so they all see the same state.
     */
    private void startQueriesUntil(long now) {
        while (true) {
            Session ended = null;
            for (Session s : clientSessions) {
                if (s.end != Long.MIN_VALUE && s.end <= now && (ended == null || s.end < ended.end)) {
                    ended = s;
                }
            }
            Pending next = pending.peek();
            long nextStart = next == null ? Long.MAX_VALUE : next.query.startMicros();
            if (ended != null && ended.end <= nextStart) {
                clientSessions.remove(ended);
                planNext(ended);
            } else if (next != null && nextStart <= now) {
                pending.poll();
                Session s = new Session(next.query, next.client);
                sessions.add(s);
                if (s.client != null) {
                    clientSessions.add(s);
                }
                startOrWait(s, next.query.startMicros());
            } else {
                return;
            }
        }
    }

    /** A client's query ended: its next one, the same again after the retry delay when it was cancelled. */
    private void planNext(Session s) {
        Client c = s.client;
        StandbyClients.RetryPolicy policy = clients.retry();
        if (s.cancelledBy != null && policy.retry()) {
            c.cancelsInARow++;
            long start = s.end + Math.max(1, policy.retryDelay(c.cancelsInARow)); // time moves on
            if (start < clients.untilMicros()) {
                StandbyQuery q = s.query;
                pending.add(new Pending(new StandbyQuery(nextQueryId++, start, q.durationMicros(), q.dbOid(),
                        q.relations(), q.inTransactionBlock(), q.pinnedBlocks()), c));
            }
            return;
        }
        c.cancelsInARow = 0;
        planNew(c, s.end + Math.max(1, policy.thinkMicros()));
    }

    private void planNew(Client c, long start) {
        if (start >= clients.untilMicros()) {
            return;
        }
        StandbyClients.Draw d = clients.mix().draw(c.random);
        StandbyClients.QueryKind k = d.kind();
        pending.add(new Pending(new StandbyQuery(nextQueryId++, start, d.durationMicros(), k.dbOid(), k.relations(),
                k.inTransactionBlock(), k.pinnedBlocks()), c));
    }

    /** A query starts, unless a relation it reads is locked by the startup process: then it waits for the lock. */
    private void startOrWait(Session s, long at) {
        for (int rel : s.query.relations()) {
            if (heldLocks.containsKey(lockKey(s.query.dbOid(), rel)) || heldLocks.containsKey(lockKey(0, rel))) {
                if (s.waitingXmin == 0) {
                    s.waitingXmin = snapshotXmin(); // parse analysis took a snapshot before it asked for the lock
                }
                waitingForLock.add(s);
                return;
            }
        }
        s.start = at;
        s.end = at + s.query.durationMicros();
        s.xmin = snapshotXmin();
        active.add(s);
    }

    private int snapshotXmin() {
        if (!xidStateKnown) {
            return 0;
        }
        int oldest = latestCompletedXid + 1;
        for (int xid : runningXids) {
            if (precedes(xid, oldest)) {
                oldest = xid;
            }
        }
        return oldest == 0 ? 3 : oldest; // FirstNormalTransactionId after wraparound past 0
    }

    private List<Session> activeAt(long now) {
        active.removeIf(s -> s.end <= now);
        active.sort(Comparator.comparingLong((Session s) -> s.start).thenComparingInt(s -> s.query.id()));
        return List.copyOf(active);
    }

    private SimulationResult result() {
        int errors = 0;
        int fatals = 0;
        int completed = 0;
        List<QueryOutcome> outcomes = new ArrayList<>();
        for (Session s : sessions) {
            if (s.end == Long.MIN_VALUE) {
                // still waiting for a lock the replayed WAL never released: it ran after the end of this WAL
                s.start = s.query.startMicros();
                s.end = Long.MAX_VALUE;
            }
            if (s.cancelledBy == null) {
                completed++;
            } else if (s.fatal) {
                fatals++;
            } else {
                errors++;
            }
            outcomes.add(new QueryOutcome(s.query.id(), s.start, s.end, s.cancelledBy, s.fatal, s.xmin));
        }
        return new SimulationResult(Map.copyOf(counts), errors, fatals, completed, outcomes, List.copyOf(events),
                List.copyOf(lag));
    }

    // ------------------------------------------------------------------ xids (modulo 2^32, as transam.c)

    static boolean precedes(int a, int b) {
        return a - b < 0;
    }

    static boolean precedesOrEquals(int a, int b) {
        return a - b <= 0;
    }

    private static int later(int a, int b) {
        return precedes(a, b) ? b : a;
    }

    private static boolean contains(List<Long> xids, int xid) {
        for (long x : xids) {
            if ((int) x == xid) {
                return true;
            }
        }
        return false;
    }

    private static long lockKey(int dbOid, int relOid) {
        return ((long) dbOid << 32) | (relOid & 0xFFFFFFFFL);
    }

    /** A query while it runs; {@code client} is null for one of the fixed list. */
    private static final class Session {
        final StandbyQuery query;
        final Client client;
        long start = Long.MIN_VALUE;
        long end = Long.MIN_VALUE;
        int xmin;
        /** The snapshot's xmin while it waits for a lock replay holds (0: not waiting, or no xid state yet). */
        int waitingXmin;
        ConflictType cancelledBy;
        boolean fatal;

        Session(StandbyQuery query, Client client) {
            this.query = query;
            this.client = client;
        }
    }

    /** A query that has not started yet, and the client that runs it (null for one of the fixed list). */
    private record Pending(StandbyQuery query, Client client) {
    }

    /** A closed-loop client: its random choices and how many of its queries in a row were cancelled. */
    private static final class Client {
        final SplittableRandom random;
        int cancelsInARow;

        Client(SplittableRandom random) {
            this.random = random;
        }
    }
}
