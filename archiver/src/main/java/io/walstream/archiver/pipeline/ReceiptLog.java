package io.walstream.archiver.pipeline;

import io.walstream.archiver.Durable;
import io.walstream.archiver.store.ArchiveDirectory;
import io.walstream.archiver.store.WalStore;
import io.walstream.protocol.WalFileName;
import io.walstream.protocol.WalSegmentSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * When each piece of WAL arrived ({@code receive --receipt-log}), for the replay simulator: one
 * fixed 32-byte record per XLogData message — dataStart, dataEnd, our receipt time and the server's
 * send time (PostgreSQL-epoch microseconds), little-endian longs — in {@code receipts/NAME}, one file
 * per WAL segment, named after the segment the message starts in. A stage beside the writer; it
 * appends through a buffer and writes at the end of each batch; it does not fsync (measurement
 * data, not WAL: a crash can lose the last second of receipts, never WAL).
 */
public final class ReceiptLog implements PipelineStage {

    /** Subdirectory of the archive. */
    public static final String DIRECTORY = "receipts";
    static final int RECORD_BYTES = 32;

    /** One message's receipt. */
    public record Receipt(long dataStart, long dataEnd, long receivedMicros, long sendTime) {
    }

    private final Path dir;
    private final WalSegmentSize segmentSize;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(RECORD_BYTES * 2048).order(ByteOrder.LITTLE_ENDIAN);
    private int timeline;
    private long segment = -1;
    private FileChannel file;

    ReceiptLog(Path archive, WalSegmentSize segmentSize) {
        this.dir = archive.resolve(DIRECTORY);
        this.segmentSize = segmentSize;
    }

    @Override
    public void onEvent(WalEvent event) throws IOException {
        switch (event.kind) {
            case WAL -> {
                long startSegment = event.start >>> segmentSize.log2();
                if (startSegment != segment) {
                    switchTo(startSegment);
                }
                if (!buffer.hasRemaining()) {
                    drain();
                }
                buffer.putLong(event.start).putLong(event.end).putLong(event.receivedMicros).putLong(event.sendTime);
            }
            case RESTART -> {
                close();
                timeline = event.timeline;
            }
            case FLUSH -> drain();
            default -> throw new IllegalStateException("unknown event " + event.kind);
        }
    }

    @Override
    public void onEndOfBatch() throws IOException {
        drain();
    }

    private void switchTo(long newSegment) throws IOException {
        close();
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, Durable.directoryModeIn(dir.getParent()));
        }
        WalFileName name = WalFileName.of(timeline, newSegment, segmentSize);
        file = Durable.openPrivate(dir.resolve(name.toString()), StandardOpenOption.APPEND);
        segment = newSegment;
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining() && file != null) {
            file.write(buffer);
        }
        buffer.clear();
    }

    private void close() throws IOException {
        if (file != null) {
            drain();
            file.close();
            file = null;
        }
        buffer.clear();
        segment = -1;
    }

    @Override
    public void onShutdown() {
        try {
            close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the receipt log in " + dir, e);
        }
    }

    /**
     * The receipt logs of an archive directory, as a store of files named after their segments (for pruning them
     * with their WAL); empty when it has none.
     */
    public static Optional<WalStore> storeOf(Path archive) {
        Path receipts = archive.resolve(DIRECTORY);
        return Files.isDirectory(receipts) ? Optional.of(ArchiveDirectory.open(receipts)) : Optional.empty();
    }

    /**
     * All receipts of an archive directory, in file-name order (timeline, then segment) and arrival order.
     * After a reconnect a stretch is received again from its segment's start: the first receipt of a
     * byte is when it first arrived.
     */
    public static List<Receipt> read(Path archive) throws IOException {
        Path receipts = archive.resolve(DIRECTORY);
        List<Receipt> all = new ArrayList<>();
        if (!Files.isDirectory(receipts)) {
            return all;
        }
        try (Stream<Path> files = Files.list(receipts)) {
            for (Path f : files.sorted().toList()) {
                ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
                while (b.remaining() >= RECORD_BYTES) {
                    all.add(new Receipt(b.getLong(), b.getLong(), b.getLong(), b.getLong()));
                }
            }
        }
        return all;
    }
}
