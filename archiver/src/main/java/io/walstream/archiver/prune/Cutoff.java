package io.walstream.archiver.prune;

import io.walstream.protocol.WalFileName;
import java.time.Instant;

/** Where a prune stops: WAL before it may go, WAL from it on stays. */
public sealed interface Cutoff {

    /**
     * Segments whose log/seg part (the 16 hex digits after the timeline) is lower than {@code segment}'s, whatever
     * their timeline: pg_archivecleanup's comparison, so a name from any timeline of the history works.
     *
     * @param segment a plain segment name, {@code TTTTTTTTXXXXXXXXYYYYYYYY}
     */
    record BeforeSegment(String segment) implements Cutoff {

        public BeforeSegment {
            if (segment == null || segment.length() != 24 || !WalFileName.isWalFileName(segment)) {
                throw new IllegalArgumentException("not a WAL segment name: \"" + segment + "\"");
            }
        }

        /** The part segments are compared by. */
        public String logSeg() {
            return segment.substring(8);
        }
    }

    /** Segments last written before {@code time}, as far as no newer segment lies before them. */
    record OlderThan(Instant time) implements Cutoff {
    }

    /**
     * The cut-off at {@code walFileName}'s segment: a segment name with or without a compression suffix or
     * {@code .partial}, or a backup history file ({@code NAME.OOOOOOOO.backup}, as pg_archivecleanup takes it).
     *
     * @throws IllegalArgumentException when it is none of these (never a path)
     */
    static BeforeSegment before(String walFileName) {
        if (WalFileName.isWalFileName(walFileName) || WalFileName.isBackupHistoryFileName(walFileName)) {
            return new BeforeSegment(walFileName.substring(0, 24));
        }
        throw new IllegalArgumentException("\"" + walFileName + "\" is not a WAL segment file name"
                + " (TTTTTTTTXXXXXXXXYYYYYYYY, optionally .gz/.lz4/.zst and .partial, or a .backup file)");
    }
}
