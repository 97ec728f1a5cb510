package io.walstream.protocol.wal;

import io.walstream.protocol.Lsn;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import io.walstream.protocol.wal.WalFormatException.Defect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads the records of consecutive WAL segment files, or of WAL bytes in memory, with the same checks as
 * {@link WalStreamVerifier}:
 *
 * <pre>{@code
 * try (WalRecordReader reader = WalRecordReader.open(files)) {
 *     while (reader.next()) {
 *         WalRecord r = reader.record();
 *         ... r.lsn(), r.rmgr(), r.body().blockCount() ...
 *     }
 * }
 * }</pre>
 *
 * Reading starts at the first record that begins in the input (a continuation at its start is skipped) and stops at
 * the end of the input or at the end of the written WAL (zeros; see {@link #endOfWal()}); bytes after the end of
 * WAL are not looked at, so a live server's recycled segment reads fine. Not thread-safe.
 */
public final class WalRecordReader implements AutoCloseable {

    private static final int READ_SIZE = 64 * 1024;

    /**
     * What to expect; 0 means "take it from the WAL".
     *
     * @param timeline           the newest timeline pages may carry; with files, each file's name decides instead
     * @param systemIdentifier   the cluster's system identifier
     * @param serverMajor        the major version (fixes the page magic)
     * @param failOnCrcMismatch  false to return records with a bad CRC ({@link WalRecord#crcValid()} false)
     */
    public record Options(int timeline, long systemIdentifier, int serverMajor, boolean failOnCrcMismatch) {

        public static final Options DEFAULT = new Options(0, 0, 0, true);
    }

    private final List<Piece> pieces;
    private final WalScanner scanner;
    private final WalRecord record = new WalRecord();
    private int next;
    private ByteBuffer current;
    private FileChannel channel;
    private ByteBuffer readBuffer;
    private boolean done;

    private record Piece(long start, int timeline, Path file, byte[] bytes, int offset, int length) {
    }

    private WalRecordReader(List<Piece> pieces, WalSegmentSize segmentSize, Options options) {
        this.pieces = pieces;
        int magic = options.serverMajor() == 0 ? 0 : WalPageMagic.forMajor(options.serverMajor());
        this.scanner = new WalScanner(segmentSize, options.timeline(), options.systemIdentifier(), magic,
            XLogRecordHeader.MAX_SIZE, true, options.failOnCrcMismatch());
        if (!pieces.isEmpty()) {
            scanner.start(pieces.get(0).start(), pieces.get(0).timeline());
        }
    }

    /** Records of {@code wal}, whose first byte is at {@code startLsn}. */
    public static WalRecordReader of(byte[] wal, long startLsn, WalSegmentSize segmentSize) {
        return of(wal, 0, wal.length, startLsn, segmentSize, Options.DEFAULT);
    }

    public static WalRecordReader of(byte[] wal, int offset, int length, long startLsn, WalSegmentSize segmentSize,
                                     Options options) {
        return new WalRecordReader(List.of(new Piece(startLsn, options.timeline(), null, wal, offset, length)),
            segmentSize, options);
    }

    /** Records of consecutive segment files (sorted here by name); the segment size comes from the first one. */
    public static WalRecordReader open(List<Path> segmentFiles) throws IOException {
        return open(segmentFiles, Options.DEFAULT);
    }

    /**
     * Records of consecutive segment files, uncompressed, whole or {@code .partial}, named as PostgreSQL names them
     * (sorted here by name); the segment size comes from the first file's long page header.
     */
    public static WalRecordReader open(List<Path> segmentFiles, Options options) throws IOException {
        if (segmentFiles.isEmpty()) {
            throw new IllegalArgumentException("no segment files");
        }
        List<Path> sorted = new ArrayList<>(segmentFiles);
        sorted.sort(Comparator.comparing(p -> p.getFileName().toString()));
        WalSegmentSize segmentSize = segmentSizeOf(sorted.get(0));
        List<Piece> pieces = new ArrayList<>(sorted.size());
        for (Path file : sorted) {
            WalFileName name = WalFileName.parse(file.getFileName().toString(), segmentSize);
            if (name.compression() != WalFileName.Compression.NONE) {
                throw new IllegalArgumentException(file + ": compressed segments are not read here (expected: "
                    + name.segmentName() + " or .partial)");
            }
            int timeline = options.timeline() != 0 ? options.timeline() : name.timeline();
            pieces.add(new Piece(name.startLsn().value(), timeline, file, null, 0, 0));
        }
        return new WalRecordReader(pieces, segmentSize, options);
    }

    private static WalSegmentSize segmentSizeOf(Path file) throws IOException {
        ByteBuffer header = ByteBuffer.allocate(XLogPageHeader.LONG_SIZE);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (header.hasRemaining() && ch.read(header) >= 0) {
                // fill
            }
        }
        if (header.hasRemaining()) {
            throw new IllegalArgumentException(file + ": " + header.position() + " bytes (expected: a WAL segment)");
        }
        XLogPageHeader h = XLogPageHeader.parse(header, 0);
        if (!h.isLong()) {
            throw new IllegalArgumentException(file + ": no long page header at its start (expected: a WAL segment,"
                + " xlp_info 0x" + WalPageMagic.toHex(h.info()) + ")");
        }
        try {
            return WalSegmentSize.ofBytes(h.segmentSize());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Moves to the next record.
     *
     * @return false at the end of the input or of the written WAL
     * @throws WalFormatException    on a defect (the reader is then done)
     * @throws UncheckedIOException  if a file cannot be read
     */
    public boolean next() {
        if (done) {
            return false;
        }
        try {
            for (;;) {
                if (current != null && current.hasRemaining()) {
                    if (scanner.advance(current)) {
                        record.load(scanner);
                        return true;
                    }
                    if (scanner.inEndOfWal()) {
                        finish();
                        return false;
                    }
                } else if (!fill()) {
                    finish();
                    return false;
                }
            }
        } catch (IOException e) {
            finish();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            finish();
            throw e;
        }
    }

    private boolean fill() throws IOException {
        if (channel != null) {
            readBuffer.clear();
            if (channel.read(readBuffer) >= 0) {
                readBuffer.flip();
                current = readBuffer;
                return true;
            }
            channel.close();
            channel = null;
        }
        if (next == pieces.size()) {
            return false;
        }
        Piece piece = pieces.get(next++);
        if (piece.start() != scanner.position()) {
            throw new WalFormatException(Defect.NOT_CONTIGUOUS, scanner.position(), piece.timeline() == 0 ? 1
                : piece.timeline(), scanner.segmentSize(), (piece.file() != null ? piece.file().getFileName()
                + " starts at " : "input continues at ") + Lsn.format(piece.start()) + " (expected: "
                + Lsn.format(scanner.position()) + ")");
        }
        if (piece.timeline() != 0) {
            scanner.timeline(piece.timeline());
        }
        if (piece.file() != null) {
            channel = FileChannel.open(piece.file(), StandardOpenOption.READ);
            if (readBuffer == null) {
                readBuffer = ByteBuffer.allocate(READ_SIZE);
            }
            current = null;
        } else {
            current = ByteBuffer.wrap(piece.bytes(), piece.offset(), piece.length());
        }
        return true;
    }

    private void finish() {
        done = true;
        current = null;
        closeChannel();
    }

    /** The current record; valid until the next {@link #next()}. */
    public WalRecord record() {
        return record;
    }

    /** True if reading stopped at zeros where WAL should continue (a {@code .partial} file's tail). */
    public boolean endOfWal() {
        return scanner.inEndOfWal();
    }

    /** Where the zeros start, or -1. */
    public long endOfWalLsn() {
        return scanner.endOfWal();
    }

    /** Where the next record would be read from. */
    public long position() {
        return scanner.position();
    }

    /** Records read whose CRC matched. */
    public long recordsVerified() {
        return scanner.recordsVerified();
    }

    /** The end of the last record whose CRC matched. */
    public long verifiedEnd() {
        return scanner.verifiedEnd();
    }

    /** The major version of the WAL, from its page magic; 0 before the first page. */
    public int serverMajor() {
        return scanner.major();
    }

    /** The system identifier from the first long page header; 0 before it. */
    public long systemIdentifier() {
        return scanner.systemIdentifier();
    }

    public WalSegmentSize segmentSize() {
        return scanner.segmentSize();
    }

    @Override
    public void close() {
        finish();
    }

    private void closeChannel() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // read-only: nothing is lost
            }
            channel = null;
        }
    }
}
