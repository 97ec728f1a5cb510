package io.walstream.archiver;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.PgWalException;
import java.nio.file.Path;

/**
 * Something about the archive directory or the WAL going into it is wrong: the message names the
 * file and, where there is one, the LSN.
 */
public class ArchiveException extends PgWalException {

    private final transient Path file;
    private final Lsn lsn;

    public ArchiveException(String message, Path file, Lsn lsn) {
        super(message);
        this.file = file;
        this.lsn = lsn;
    }

    public ArchiveException(String message, Path file, Lsn lsn, Throwable cause) {
        super(message, cause);
        this.file = file;
        this.lsn = lsn;
    }

    /** The file concerned, or null. */
    public Path file() {
        return file;
    }

    /** The WAL position concerned, or null. */
    public Lsn lsn() {
        return lsn;
    }
}
