/**
 * The hot-standby replay model: {@link io.walstream.replaysim.Simulator} replays
 * {@link io.walstream.replaysim.ReplayRecord}s (the {@code protocol} decoder's
 * {@link io.walstream.protocol.wal.conflict.ConflictRecord}s with their end and xid) as the standby received them
 * ({@link io.walstream.replaysim.Receipt}) while {@link io.walstream.replaysim.StandbyQuery}s run (with fixed
 * start times, or from closed-loop {@link io.walstream.replaysim.StandbyClients}), under
 * {@link io.walstream.replaysim.StandbySettings}, and predicts a {@link io.walstream.replaysim.SimulationResult}.
 * Needs only {@code protocol}; the rest of the module feeds and checks it:
 * <ul>
 *   <li>{@link io.walstream.replaysim.input}: where records and queries come from (a walstream archive with its
 *       receipt log, a query trace, a synthetic primary);</li>
 *   <li>{@link io.walstream.replaysim.sweep}: {@code walstream simulate --synthetic / --archive}, one run per delay,
 *       as a table and files;</li>
 *   <li>{@link io.walstream.replaysim.validate}: {@code walstream simulate --validate}, the same scenario on a real
 *       primary and hot standby and in the model, compared.</li>
 * </ul>
 */
package io.walstream.replaysim;
