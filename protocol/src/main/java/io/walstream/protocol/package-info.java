/**
 * Value types of PostgreSQL's physical streaming replication ({@link io.walstream.protocol.Lsn}, timelines,
 * WAL segment names, PostgreSQL epoch time) and the exceptions of the wire protocol.
 */
package io.walstream.protocol;
