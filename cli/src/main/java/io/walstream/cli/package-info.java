/**
 * The {@code walstream} command: picocli option parsing, then calls into the modules. One class per subcommand
 * ({@code ReceiveCommand}, {@code RestoreCommand}, {@code ServeCommand}, {@code VerifyCommand}, {@code PruneCommand},
 * {@code StatusCommand}, {@code CheckCommand}, {@code SimulateCommand}, {@code BenchCommand}, {@code DemoCommand});
 * shared options are mixins ({@code ConnectionOptions}, {@code S3Options}, {@code ServeServerOptions}), and
 * {@code ArchiveLocation} is the one place a {@code -D} value (a directory or {@code s3://}) becomes a store.
 * {@code OneShotRestore} is the lean path the launcher takes for {@code restore} as a {@code restore_command}: no
 * picocli tree, no logging set-up. Behaviour lives in the modules; see docs/architecture.md.
 */
package io.walstream.cli;
