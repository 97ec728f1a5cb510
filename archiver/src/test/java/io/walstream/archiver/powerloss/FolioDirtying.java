package io.walstream.archiver.powerloss;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The experiment behind reliability.md's account of the dirty pages at 1 MB boundaries that the SIGKILL tests found
 * with zero-filled segments: prints the page-cache flags of the pages around a reported flush position, in a sparse
 * segment and in one zero-filled in 1 MB writes, after an fdatasync and after the next (unsynced) write. Not a test
 * (what it shows depends on the kernel's page cache); run as root, on the file system in question:
 *
 * <pre>{@code java --add-exports java.base/sun.nio.ch=ALL-UNNAMED \
 *     archiver/src/test/java/io/walstream/archiver/powerloss/FolioDirtying.java /var/lib/walstream}</pre>
 *
 * Each page prints as {@code .} (clean, a folio of its own), {@code H}/{@code T} (head or tail page of a larger
 * folio), with {@code D} when the kernel counts it dirty.
 */
public final class FolioDirtying {

    private static final long PAGE = 4096;
    private static final int MB = 1 << 20;

    private FolioDirtying() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : ".");
        for (boolean zeroFill : new boolean[] {false, true}) {
            Path file = dir.resolve(zeroFill ? "folio-zero-filled.bin" : "folio-sparse.bin");
            try {
                run(zeroFill ? "zero-filled" : "sparse     ", zeroFill, file);
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void run(String label, boolean zeroFill, Path file) throws Exception {
        int size = 16 * MB;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            if (zeroFill) { // as the withdrawn zero-fill did (a2fab5c): 1 MB writes of zeros, then fsync
                ByteBuffer zeros = ByteBuffer.allocateDirect(MB);
                for (long at = 0; at < size; at += MB) {
                    ch.write(zeros.clear(), at);
                }
            } else { // as SegmentFile does: one byte at the end
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
            ch.force(true);
            ByteBuffer wal = ByteBuffer.allocateDirect(8192);
            for (int i = 0; i < wal.capacity(); i++) {
                wal.put(i, (byte) (i * 31 + 7));
            }
            long walAt = MB + 16 * 1024;
            ch.write(wal, walAt);
            ch.force(false); // the flush reported to the server is now walAt + 8 kB
            System.out.println(label + " fdatasync'd 8 kB at 1 MB + 16 kB, pages from 1 MB: " + flags(file, MB, 10));
            ch.write(wal.clear(), walAt + 8192); // the next WAL, past the reported flush, not yet fsynced
            System.out.println(label + " then 8 kB more, unsynced,     pages from 1 MB: " + flags(file, MB, 10));
            ch.force(false);
            System.out.println(label + " after the next fdatasync,     pages from 1 MB: " + flags(file, MB, 10));
        }
    }

    /** The flags of {@code pages} pages from {@code from}, read through /proc/self/pagemap and /proc/kpageflags. */
    private static String flags(Path file, long from, int pages) throws Exception {
        StringBuilder out = new StringBuilder();
        try (FileChannel ch = FileChannel.open(file);
                FileChannel pagemap = FileChannel.open(Path.of("/proc/self/pagemap"));
                FileChannel kpageflags = FileChannel.open(Path.of("/proc/kpageflags"))) {
            MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, from, pages * PAGE);
            long base = address(map);
            ByteBuffer entry = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            for (int i = 0; i < pages; i++) {
                map.get((int) (i * PAGE)); // fault it in
                pagemap.read(entry.clear(), (base + i * PAGE) / PAGE * 8);
                long pfn = entry.getLong(0) & ((1L << 55) - 1);
                if (pfn == 0) {
                    throw new IllegalStateException("no page frame numbers in /proc/self/pagemap: run as root");
                }
                kpageflags.read(entry.clear(), pfn * 8);
                long f = entry.getLong(0);
                String page = ((f & (1L << 4)) != 0 ? "D" : "") + ((f & (1L << 15)) != 0 ? "H" : "")
                        + ((f & (1L << 16)) != 0 ? "T" : "");
                out.append(page.isEmpty() ? "." : page).append(' ');
            }
        }
        return out.toString().trim();
    }

    private static long address(Buffer direct) throws ReflectiveOperationException {
        return (long) Class.forName("sun.nio.ch.DirectBuffer").getMethod("address").invoke(direct);
    }
}
