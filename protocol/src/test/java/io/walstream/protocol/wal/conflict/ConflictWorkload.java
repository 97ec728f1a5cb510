package io.walstream.protocol.wal.conflict;

import io.walstream.pgcluster.PgCluster;
import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Test fixture: runs on a fresh server a workload that writes every record kind {@link ConflictRecordDecoder}
 * decodes, remembers the ground truth it knows from SQL (xids of the deleting transactions, relfilenodes, OIDs), and
 * copies the WAL segments it wrote into a directory.
 */
final class ConflictWorkload {

    /** What the workload knows about the WAL it wrote, from SQL. */
    record Truth(int major, List<Path> segments, long startLsn, Instant start, Instant end, long xidBound, long databaseOid,
                 long heapOid, RelFileLocator heap, RelFileLocator btreeIndex, RelFileLocator reuseIndex,
                 RelFileLocator hashIndex, RelFileLocator gistIndex, RelFileLocator gistReuseIndex,
                 RelFileLocator spgistIndex, long heapDeleteXid, long btreeDeleteXid, long hashDeleteXid,
                 long gistDeleteXid, long spgistInsertXid, long lockXid, long abortXid, long subxactCommitXid,
                 long preparedCommitXid, long preparedAbortXid, long preparedDropXid, long droppedDatabaseOid,
                 long droppedTablespaceOid) {
    }

    private ConflictWorkload() {
    }

    static Truth run(PgCluster pg, Path walDir) throws Exception {
        int major = pg.serverVersionNum() / 10000;
        pg.createPhysicalSlot("keep"); // keeps every segment from here on
        Lsn startLsn = Lsn.parse(pg.currentWalLsn());
        Instant start = Instant.now();
        long heapDeleteXid, btreeDeleteXid, hashDeleteXid, gistDeleteXid, spgistInsertXid;
        long lockXid, abortXid, subxactCommitXid, preparedCommitXid, preparedAbortXid, preparedDropXid;
        long droppedDatabaseOid, droppedTablespaceOid;
        try (Connection c = pg.connect(); Statement s = c.createStatement()) {
            // Heap: updates and deletes leave prunable pages; a scan prunes on access, VACUUM prunes, sets pages
            // all-visible, and VACUUM FREEZE freezes. The primary key gives VACUUM index work, hence the second
            // heap pass (PRUNE_VACUUM_CLEANUP in 17+).
            s.execute("CREATE TABLE heap_t (id int PRIMARY KEY, v text, n int)");
            s.execute("INSERT INTO heap_t SELECT g, md5(g::text), g FROM generate_series(1, 20000) g");
            s.execute("UPDATE heap_t SET n = n + 1 WHERE id % 5 = 0");
            heapDeleteXid = inTransaction(c, "DELETE FROM heap_t WHERE id % 3 = 0");
            s.execute("SELECT count(*) FROM heap_t");
            s.execute("VACUUM heap_t");
            // Dead tuples VACUUM prunes itself (on 13 this writes CLEANUP_INFO before the index pass).
            s.execute("UPDATE heap_t SET n = n + 1 WHERE id % 7 = 0");
            s.execute("DELETE FROM heap_t WHERE id % 11 = 0");
            s.execute("VACUUM (FREEZE) heap_t");

            // Btree DELETE: an index scan marks the deleted rows' index tuples LP_DEAD; inserting into the same
            // leaf pages then deletes them. Fillfactor 50 keeps the heap pages from being pruned on access first
            // (free space stays >= the prune threshold): pruned heap items carry no xid, and the index record's
            // horizon would be 0 instead of the deleting xid.
            s.execute("CREATE TABLE bt (id int, v int) WITH (fillfactor = 50)");
            s.execute("CREATE INDEX bt_id ON bt (id)");
            s.execute("INSERT INTO bt SELECT g, g FROM generate_series(1, 20000) g");
            btreeDeleteXid = inTransaction(c, "DELETE FROM bt WHERE id BETWEEN 2000 AND 12000");
            indexScan(s, "SELECT count(*) FROM bt WHERE id BETWEEN 2000 AND 12000");
            s.execute("INSERT INTO bt SELECT g, g FROM generate_series(2000, 12000) g");

            // Btree REUSE_PAGE: VACUUM deletes the empty leaf pages; once xids have moved on, a second VACUUM puts
            // them in the free space map and page splits reuse them.
            s.execute("CREATE TABLE reuse (id int)");
            s.execute("CREATE INDEX reuse_id ON reuse (id)");
            s.execute("INSERT INTO reuse SELECT g FROM generate_series(1, 50000) g");
            s.execute("DELETE FROM reuse WHERE id <= 45000");
            s.execute("VACUUM reuse");

            // Hash VACUUM_ONE_PAGE: one key fills its bucket; an index scan marks the deleted tuples dead and the
            // next inserts into the full bucket page remove them.
            s.execute("CREATE TABLE hs (k int, v int) WITH (fillfactor = 50)");
            s.execute("CREATE INDEX hs_k ON hs USING hash (k)");
            s.execute("INSERT INTO hs SELECT 1, g FROM generate_series(1, 3000) g");
            hashDeleteXid = inTransaction(c, "DELETE FROM hs WHERE v <= 2500");
            indexScan(s, "SELECT count(*) FROM hs WHERE k = 1");
            s.execute("INSERT INTO hs SELECT 1, g FROM generate_series(1, 2000) g");

            // Gist DELETE the same way; PAGE_REUSE as for btree.
            s.execute("CREATE TABLE gs (p point) WITH (fillfactor = 50)");
            s.execute("INSERT INTO gs SELECT point(g % 100, g / 100) FROM generate_series(1, 20000) g");
            s.execute("CREATE INDEX gs_p ON gs USING gist (p)");
            gistDeleteXid = inTransaction(c, "DELETE FROM gs WHERE p <@ box '((0,0),(60,200))'");
            indexScan(s, "SELECT count(*) FROM gs WHERE p <@ box '((0,0),(60,200))'");
            s.execute("INSERT INTO gs SELECT point(g % 60, g / 60 % 200) FROM generate_series(1, 12000) g");
            s.execute("CREATE TABLE gr (p point)");
            s.execute("INSERT INTO gr SELECT point(g % 100, g / 100) FROM generate_series(1, 20000) g");
            s.execute("CREATE INDEX gr_p ON gr USING gist (p)");
            s.execute("DELETE FROM gr WHERE p[1] < 190");
            s.execute("VACUUM gr");

            // SP-GiST VACUUM_REDIRECT: inserts after CREATE INDEX move leaf tuples and leave redirects carrying the
            // inserting xid, which VACUUM turns into placeholders once no snapshot can need them.
            s.execute("CREATE TABLE sp (t text)");
            s.execute("INSERT INTO sp VALUES ('a')");
            s.execute("CREATE INDEX sp_t ON sp USING spgist (t)");
            spgistInsertXid = inTransaction(c,
                "INSERT INTO sp SELECT md5(g::text) FROM generate_series(1, 20000) g");

            // Xids move on; the second VACUUMs make the deleted index pages free, inserts reuse them.
            for (int i = 0; i < 3; i++) {
                inTransaction(c);
            }
            s.execute("DELETE FROM reuse WHERE id > 49000");
            s.execute("VACUUM reuse");
            s.execute("DELETE FROM gr WHERE p[1] >= 199");
            s.execute("VACUUM gr");
            s.execute("VACUUM sp");
            s.execute("INSERT INTO reuse SELECT g FROM generate_series(1, 45000) g");
            s.execute("INSERT INTO gr SELECT point(g % 100, g / 100) FROM generate_series(1, 19000) g");

            // Standby LOCK.
            lockXid = inTransaction(c, "LOCK TABLE heap_t IN ACCESS EXCLUSIVE MODE");

            // Transaction ends: an abort, a commit with two subtransactions, prepared ones.
            c.setAutoCommit(false);
            s.execute("INSERT INTO bt VALUES (-1, -1)");
            abortXid = xid(s);
            c.rollback();
            s.execute("INSERT INTO bt VALUES (-2, -2)");
            subxactCommitXid = xid(s);
            s.execute("SAVEPOINT a");
            s.execute("INSERT INTO bt VALUES (-3, -3)");
            s.execute("SAVEPOINT b");
            s.execute("INSERT INTO bt VALUES (-4, -4)");
            c.commit();
            s.execute("CREATE TABLE prepared_t (x int)");
            preparedCommitXid = xid(s);
            s.execute("PREPARE TRANSACTION 'commit_me'");
            s.execute("INSERT INTO bt VALUES (-5, -5)");
            preparedAbortXid = xid(s);
            s.execute("PREPARE TRANSACTION 'abort_me'");
            c.setAutoCommit(true);
            s.execute("COMMIT PREPARED 'commit_me'");
            s.execute("ROLLBACK PREPARED 'abort_me'");
            c.setAutoCommit(false);
            s.execute("DROP TABLE prepared_t"); // dropped stats (15+) in a COMMIT_PREPARED
            preparedDropXid = xid(s);
            s.execute("PREPARE TRANSACTION 'drop_me'");
            c.setAutoCommit(true);
            s.execute("COMMIT PREPARED 'drop_me'");

            // Database and tablespace drops.
            s.execute("CREATE DATABASE dropme");
            droppedDatabaseOid = Long.parseLong(pg.queryString(
                "SELECT oid::text FROM pg_database WHERE datname = 'dropme'"));
            s.execute("DROP DATABASE dropme");
            Path location = tablespaceDirectory(pg);
            s.execute("CREATE TABLESPACE dropme LOCATION '" + location + "'");
            droppedTablespaceOid = Long.parseLong(pg.queryString(
                "SELECT oid::text FROM pg_tablespace WHERE spcname = 'dropme'"));
            s.execute("DROP TABLESPACE dropme");

            // Catalog cleanup: with wal_level logical, 16+ flags these records isCatalogRel.
            s.execute("VACUUM pg_class, pg_attribute, pg_type, pg_depend");

            s.execute("CHECKPOINT");
            s.execute("SELECT pg_switch_wal()");
            s.execute("INSERT INTO bt VALUES (-6, -6)");
        }
        long databaseOid = Long.parseLong(pg.queryString(
            "SELECT oid::text FROM pg_database WHERE datname = current_database()"));
        long heapOid = Long.parseLong(pg.queryString("SELECT 'heap_t'::regclass::oid::text"));
        RelFileLocator heap = locator(pg, databaseOid, "heap_t");
        RelFileLocator btreeIndex = locator(pg, databaseOid, "bt_id");
        RelFileLocator reuseIndex = locator(pg, databaseOid, "reuse_id");
        RelFileLocator hashIndex = locator(pg, databaseOid, "hs_k");
        RelFileLocator gistIndex = locator(pg, databaseOid, "gs_p");
        RelFileLocator gistReuseIndex = locator(pg, databaseOid, "gr_p");
        RelFileLocator spgistIndex = locator(pg, databaseOid, "sp_t");

        pg.restart(); // a shutdown checkpoint
        long xidBound = Long.parseLong(pg.queryString("SELECT txid_current()::text")) + 1;
        Lsn switchEnd = Lsn.parse(pg.switchWal());
        Instant end = Instant.now();

        WalSegmentSize segmentSize = WalSegmentSize.ofBytes(pg.walSegmentSize());
        List<Path> segments = new ArrayList<>();
        for (long seg = startLsn.segmentNumber(segmentSize); seg <= switchEnd.minus(1).segmentNumber(segmentSize);
             seg++) {
            String name = WalFileName.of(1, seg, segmentSize).segmentName();
            segments.add(Files.write(walDir.resolve(name), pg.readWalFile(name)));
        }
        return new Truth(major, segments, startLsn.value(), start, end, xidBound, databaseOid, heapOid, heap, btreeIndex, reuseIndex,
            hashIndex, gistIndex, gistReuseIndex, spgistIndex, heapDeleteXid, btreeDeleteXid, hashDeleteXid,
            gistDeleteXid, spgistInsertXid, lockXid, abortXid, subxactCommitXid, preparedCommitXid,
            preparedAbortXid, preparedDropXid, droppedDatabaseOid, droppedTablespaceOid);
    }

    /** Runs statements in one transaction and returns its xid. */
    private static long inTransaction(Connection c, String... sql) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
            long xid = xid(s);
            c.commit();
            return xid;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private static long xid(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT txid_current()")) {
            rs.next();
            return rs.getLong(1) & 0xFFFF_FFFFL;
        }
    }

    /** A plain index scan, which marks index tuples of dead rows LP_DEAD (kill_prior_tuple). */
    private static void indexScan(Statement s, String query) throws SQLException {
        s.execute("SET enable_seqscan = off");
        s.execute("SET enable_bitmapscan = off");
        s.execute(query);
        s.execute("RESET enable_seqscan");
        s.execute("RESET enable_bitmapscan");
    }

    private static RelFileLocator locator(PgCluster pg, long databaseOid, String relation) {
        List<String> row = pg.query("SELECT CASE WHEN reltablespace = 0 THEN (SELECT dattablespace FROM pg_database"
            + " WHERE datname = current_database()) ELSE reltablespace END::text, pg_relation_filenode(oid)::text"
            + " FROM pg_class WHERE relname = ?", relation).get(0);
        return new RelFileLocator(Long.parseLong(row.get(0)), databaseOid, Long.parseLong(row.get(1)));
    }

    /** An empty directory outside the data directory, owned by the account the server runs as. */
    private static Path tablespaceDirectory(PgCluster pg) throws IOException {
        Path dir = Files.createDirectories(pg.dataDir().resolveSibling("tablespace"));
        PosixFileAttributes owner = Files.readAttributes(pg.dataDir(), PosixFileAttributes.class);
        PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
        view.setOwner(owner.owner());
        view.setGroup(owner.group());
        return dir;
    }
}
