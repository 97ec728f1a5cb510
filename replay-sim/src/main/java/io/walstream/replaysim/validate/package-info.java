/**
 * {@code walstream simulate --validate}: the model checked against a real primary and hot standby (embedded
 * PostgreSQL from {@code pgcluster}). {@link io.walstream.replaysim.validate.ValidationRun} starts the pair and
 * walstream receiving from the primary with a receipt log, runs each scenario's write load (HOT updates, or
 * pgbench's TPC-B script with autovacuum) and standby queries ({@code StandbyReaders}: a plan, or closed-loop clients
 * that retry; replay times from {@code ReplayProbe}), then simulates the archive with the same queries or clients; {@link io.walstream.replaysim.validate.ValidationSweep} runs the scenarios and reports both side by side.
 */
package io.walstream.replaysim.validate;
