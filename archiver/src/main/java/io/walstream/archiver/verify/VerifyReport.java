package io.walstream.archiver.verify;

import io.walstream.archiver.store.ArchiveDirectory;

import io.walstream.protocol.Lsn;
import java.util.List;
import java.util.Objects;

/**
 * What {@link ArchiveVerifier} found in an archive directory: what it holds, how much was checked, and every defect.
 *
 * @param location           the archive: a directory, or an object-storage location
 * @param identity           the cluster the archive belongs to: from {@value ArchiveDirectory#IDENTITY_FILE}, else
 *                           from the first segment's long page header; null when neither is readable
 * @param identityFile       whether {@value ArchiveDirectory#IDENTITY_FILE} exists
 * @param serverMajor        the PostgreSQL major version the page magic names; 0 if unknown
 * @param timelines          one entry per timeline that has segments or a history file, ascending
 * @param segments           segment files (every representation counts)
 * @param completeSegments   complete segment files
 * @param partialSegments    {@code .partial} files
 * @param compressedSegments files with a compression suffix
 * @param recordsVerified    WAL records whose header and CRC-32C were checked
 * @param bytesRead          segment bytes read, after decompression
 * @param findings           defects (ERROR) and oddities (WARNING), in the order found
 */
public record VerifyReport(String location, ArchiveDirectory.Identity identity, boolean identityFile, int serverMajor,
                           List<TimelineSummary> timelines, int segments, int completeSegments, int partialSegments,
                           int compressedSegments, long recordsVerified, long bytesRead, List<Finding> findings) {

    public VerifyReport {
        Objects.requireNonNull(location, "location");
        timelines = List.copyOf(timelines);
        findings = List.copyOf(findings);
    }

    public enum Severity { ERROR, WARNING }

    /** What a finding is about; stable names for scripts reading {@code --json}. */
    public enum Kind {
        /** No identity file: a pg_receivewal directory, or one walstream never bound. */
        IDENTITY_MISSING,
        /** The identity file cannot be read or parsed. */
        IDENTITY_INVALID,
        /** The identity file disagrees with the segments' long page headers. */
        IDENTITY_MISMATCH,
        /** A timeline above 1 has segments but no history file. */
        HISTORY_MISSING,
        /** A history file does not parse. */
        HISTORY_INVALID,
        /** Two history files disagree about a common ancestor. */
        HISTORY_INCONSISTENT,
        /** Segments missing between the first and the last one. */
        GAP,
        /** A {@code .partial} where a complete segment is needed, because later WAL is archived. */
        INCOMPLETE_SEGMENT,
        /** A segment that is not on the newest timeline's history (an abandoned branch, or past a switch point). */
        OFF_HISTORY,
        /** The same segment in more than one file ({@code NAME} and {@code NAME.gz}, or a complete and a partial). */
        DUPLICATE,
        /** A segment whose size (after decompression) is not the segment size. */
        SIZE,
        /** A page or record defect: header, prev-link, CRC-32C. */
        WAL_DEFECT,
        /** A complete segment whose WAL ends (zeros) before the segment does. */
        END_OF_WAL,
        /** A file that cannot be read or decompressed. */
        UNREADABLE,
        /** No segments at all. */
        EMPTY
    }

    /**
     * One defect or oddity.
     *
     * @param file the file concerned (a missing one for gaps), or null for the archive as a whole
     * @param lsn  where in the WAL, or null
     */
    public record Finding(Severity severity, Kind kind, String file, Lsn lsn, String message) {

        public Finding {
            Objects.requireNonNull(severity, "severity");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(message, "message");
        }

        @Override
        public String toString() {
            return severity + " " + kind + (file == null ? "" : " " + file) + (lsn == null ? "" : " at " + lsn) + ": "
                + message;
        }
    }

    /**
     * One timeline as archived.
     *
     * @param begin        where the timeline branched off its parent (null for timeline 1 or when unknown)
     * @param end          where the next timeline of the newest history branched off it (null for the newest)
     * @param firstSegment the first segment file on it, or null
     * @param lastSegment  the last segment file on it, or null
     * @param segments     segment files on it
     * @param history      whether its history file is present and parses (always true for timeline 1)
     * @param verifiedEnd  the end of the last record whose CRC matched on it, or null
     */
    public record TimelineSummary(int timeline, Lsn begin, Lsn end, String firstSegment, String lastSegment,
                                  int segments, boolean history, Lsn verifiedEnd) {
    }

    public long errorCount() {
        return findings.stream().filter(f -> f.severity() == Severity.ERROR).count();
    }

    public long warningCount() {
        return findings.stream().filter(f -> f.severity() == Severity.WARNING).count();
    }

    /** No errors (warnings allowed). */
    public boolean clean() {
        return errorCount() == 0;
    }

    public List<Finding> findings(Kind kind) {
        return findings.stream().filter(f -> f.kind() == kind).toList();
    }
}
