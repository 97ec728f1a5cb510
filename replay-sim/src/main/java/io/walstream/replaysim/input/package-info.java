/**
 * The simulator's inputs: {@link io.walstream.replaysim.input.ArchiveReplayInput} (a walstream archive's WAL,
 * decoded by {@code protocol}'s {@code ConflictRecordDecoder}, and its {@code receive --receipt-log} receipt times),
 * {@link io.walstream.replaysim.input.QueryTrace} (standby queries from a CSV file, with pinned pages, and the query
 * mix of closed-loop clients), {@link io.walstream.replaysim.input.RelationNames} (relations by OID, relfilenode or
 * name, through the primary's catalog) and
 * {@link io.walstream.replaysim.input.SyntheticWorkload} (a primary and its standby queries described by rates).
 */
package io.walstream.replaysim.input;
