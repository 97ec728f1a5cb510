/**
 * Physical replication commands as exact command text ({@link io.walstream.protocol.replication.ReplicationCommands})
 * and their typed results, parsed from a {@link io.walstream.protocol.replication.QueryResult}.
 */
package io.walstream.protocol.replication;
