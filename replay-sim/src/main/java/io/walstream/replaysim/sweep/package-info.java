/**
 * {@code walstream simulate --synthetic} and {@code --archive}: {@link io.walstream.replaysim.sweep.SweepInput}
 * gathers records, receipts and queries from an input, {@link io.walstream.replaysim.sweep.DelaySweep} runs the
 * simulator once per {@code max_standby_streaming_delay} and prints and writes the results. The command line only
 * parses options into these calls.
 */
package io.walstream.replaysim.sweep;
