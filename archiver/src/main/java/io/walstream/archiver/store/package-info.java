/**
 * Where archived WAL lives, behind one interface, as pg_receivewal's walmethods.c: {@link
 * io.walstream.archiver.store.WalStore} lists, stats, opens, puts and deletes archived files by name, and every
 * command that reads an archive (restore, verify, status, serve, prune) goes through it. {@link
 * io.walstream.archiver.store.ArchiveDirectory} is the local directory in pg_receivewal's layout, which is also where
 * the receiver writes (its identity file, lock and resume rule live there); object storage is another implementation.
 *
 * <p>Also here: {@link io.walstream.archiver.store.SegmentFiles} (the one place that knows the compression suffixes'
 * formats), {@link io.walstream.archiver.store.WalRestore} (which stored file answers a name PostgreSQL asks for, and
 * restoring it), {@link io.walstream.archiver.store.ArchiveEnd} (where an archive's WAL ends, from the files alone).
 * An archived file is never replaced by different bytes ({@link io.walstream.archiver.store.StoreConflictException}).
 */
package io.walstream.archiver.store;
