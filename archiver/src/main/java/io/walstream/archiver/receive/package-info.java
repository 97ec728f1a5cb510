/**
 * {@code walstream receive}: the run loop around the pipeline. {@link io.walstream.archiver.receive.ArchiveReceiver}
 * decides where streaming starts (the archive's end, else the slot's restart_lsn, else the server's
 * position, as pg_receivewal), creates the slot, reconnects after a lost connection or a server
 * shutdown, fetches refused WAL once more before it stops, and which server errors are permanent;
 * {@link io.walstream.archiver.receive.ReceiveOptions} holds what the command line sets.
 */
package io.walstream.archiver.receive;
