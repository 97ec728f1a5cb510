package io.walstream.serve;

import io.walstream.archiver.store.WalRestore;
import io.walstream.protocol.WalFileName;

/**
 * What a request path asks for: the status document ({@code /}) or one archived file ({@code /wal/NAME}), where
 * NAME is a segment, {@code .history} or {@code .backup} file name, or a segment name with {@code .partial} for the
 * segment still being received. The path is taken as sent, not percent-decoded: no valid name holds a {@code %}, so
 * an encoded dot or slash is simply not a name, and nothing a client sends can become a path.
 *
 * @param name    the file name asked for (without {@code .partial}), or null for the status document
 * @param partial whether the segment still being received was asked for
 */
public record WalFileRequest(String name, boolean partial) {

    /** Longer than any name: a segment with a compression suffix and {@code .partial} is 36 characters. */
    static final int MAX_PATH = 64;

    private static final String PREFIX = "/wal/";
    private static final String PARTIAL = ".partial";
    static final WalFileRequest STATUS = new WalFileRequest(null, false);

    /** Parses a request URI; null when it is not a status or WAL file request (answered with 400). */
    public static WalFileRequest parse(String uri) {
        if (uri == null || uri.length() > MAX_PATH) {
            return null;
        }
        if (uri.equals("/")) {
            return STATUS;
        }
        if (!uri.startsWith(PREFIX)) {
            return null;
        }
        String name = uri.substring(PREFIX.length());
        boolean partial = name.endsWith(PARTIAL);
        if (partial) {
            name = name.substring(0, name.length() - PARTIAL.length());
            if (!WalRestore.isSegmentName(name)) {
                return null; // only a segment has a .partial
            }
        }
        boolean plain = WalRestore.isSegmentName(name) || WalFileName.isHistoryFileName(name)
                || WalFileName.isBackupHistoryFileName(name);
        return plain ? new WalFileRequest(name, partial) : null; // stored forms (.gz ...) are ours to choose
    }

    boolean isStatus() {
        return name == null;
    }

    /** The name as asked, for log lines and error bodies. */
    @Override
    public String toString() {
        return isStatus() ? "/" : name + (partial ? PARTIAL : "");
    }
}
