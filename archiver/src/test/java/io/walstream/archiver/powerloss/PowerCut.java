package io.walstream.archiver.powerloss;

import io.walstream.archiver.powerloss.RecordingFileSystem.Create;
import io.walstream.archiver.powerloss.RecordingFileSystem.Delete;
import io.walstream.archiver.powerloss.RecordingFileSystem.FlushReported;
import io.walstream.archiver.powerloss.RecordingFileSystem.Force;
import io.walstream.archiver.powerloss.RecordingFileSystem.MakeDirectory;
import io.walstream.archiver.powerloss.RecordingFileSystem.Move;
import io.walstream.archiver.powerloss.RecordingFileSystem.Op;
import io.walstream.archiver.powerloss.RecordingFileSystem.SyncDirectory;
import io.walstream.archiver.powerloss.RecordingFileSystem.Truncate;
import io.walstream.archiver.powerloss.RecordingFileSystem.Write;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * What a power cut leaves of a recorded run, in the way crash-consistency checkers (ALICE, LazyFS) model a file
 * system that promises no more than POSIX: a file's data and size as of its last fsync, plus each write made since
 * kept, lost, or torn (kept for some 4 kB pages of it, lost for the others); directory entries (create, rename,
 * delete) as of the last fsync of their directory, plus each later one applied or not (in their order). Walks the
 * log forwards ({@link #advanceTo}), so that thousands of cuts cost one pass plus one image each.
 */
final class PowerCut {

    static final int PAGE = 4096;

    /** The archive directory as the cut left it: file name to content; {@code exists} false when not even it was. */
    record Image(boolean exists, Map<String, byte[]> files, long reportedFlush, int opIndex) {
    }

    private static final class Inode {
        byte[] durable = new byte[0];
        int durableSize;
        /** Writes and truncations since the last fsync. */
        final List<Op> pending = new ArrayList<>();
    }

    private final List<Op> ops;
    private final Map<Integer, Inode> inodes = new HashMap<>();
    /** Directory entries as of the last directory fsync. */
    private final Map<String, Integer> durableEntries = new HashMap<>();
    /** Entry operations since then, in order. */
    private final List<Op> pendingEntries = new ArrayList<>();
    private boolean rootDurable;
    private boolean rootPending;
    private long reportedFlush;
    private int next;

    PowerCut(List<Op> ops) {
        this.ops = ops;
    }

    int opCount() {
        return ops.size();
    }

    /** Applies the ops before {@code index} (never backwards). */
    void advanceTo(int index) {
        if (index < next) {
            throw new IllegalArgumentException("the log is walked forwards only: at " + next + ", asked for " + index);
        }
        for (; next < index; next++) {
            Op op = ops.get(next);
            if (op instanceof Create c) {
                inodes.put(c.inode(), new Inode());
                pendingEntries.add(c);
            } else if (op instanceof Write w) {
                inodes.get(w.inode()).pending.add(w);
            } else if (op instanceof Truncate t) {
                inodes.get(t.inode()).pending.add(t);
            } else if (op instanceof Force f) {
                Inode inode = inodes.get(f.inode());
                if (!inode.pending.isEmpty()) {
                    // a new array: images handed out earlier share the old one
                    byte[][] content = {inode.durable.clone()};
                    int[] size = {inode.durableSize};
                    for (Op p : inode.pending) {
                        apply(p, content, size, 0, Long.MAX_VALUE);
                    }
                    inode.durable = content[0];
                    inode.durableSize = size[0];
                    inode.pending.clear();
                }
            } else if (op instanceof Move || op instanceof Delete) {
                pendingEntries.add(op);
            } else if (op instanceof MakeDirectory) {
                rootPending = true;
            } else if (op instanceof SyncDirectory s) {
                if (s.name().isEmpty()) {
                    for (Op e : pendingEntries) {
                        applyEntry(e, durableEntries);
                    }
                    pendingEntries.clear();
                } else if (rootPending) {
                    rootDurable = true;
                }
            } else if (op instanceof FlushReported r) {
                reportedFlush = Math.max(reportedFlush, r.lsn());
            }
        }
    }

    /** The directory a cut right now (before op {@link #next}) could leave, chosen by {@code random}. */
    Image image(Random random) {
        boolean exists = rootDurable || rootPending && random.nextBoolean();
        if (!exists) {
            return new Image(false, Map.of(), reportedFlush, next);
        }
        Map<String, Integer> entries = new HashMap<>(durableEntries);
        for (Op e : pendingEntries) {
            if (random.nextBoolean()) {
                applyEntry(e, entries);
            }
        }
        Map<String, byte[]> files = new TreeMap<>();
        for (Map.Entry<String, Integer> e : entries.entrySet()) {
            files.put(e.getKey(), contentAfterCut(inodes.get(e.getValue()), random));
        }
        return new Image(true, files, reportedFlush, next);
    }

    long reportedFlush() {
        return reportedFlush;
    }

    private static byte[] contentAfterCut(Inode inode, Random random) {
        if (inode.pending.isEmpty()) {
            return inode.durable.length == inode.durableSize ? inode.durable
                    : Arrays.copyOf(inode.durable, inode.durableSize);
        }
        byte[][] content = {inode.durable.clone()};
        int[] size = {inode.durableSize};
        for (Op p : inode.pending) {
            int fate = random.nextInt(3); // 0: lost
            if (fate == 1) {
                apply(p, content, size, 0, Long.MAX_VALUE); // written back whole
            } else if (fate == 2 && p instanceof Write w) { // torn: some of its pages written back, not others
                long end = w.position() + w.bytes().length;
                for (long page = w.position() / PAGE * PAGE; page < end; page += PAGE) {
                    if (random.nextBoolean()) {
                        apply(p, content, size, page, page + PAGE);
                    }
                }
            }
        }
        return size[0] == content[0].length ? content[0] : Arrays.copyOf(content[0], size[0]);
    }

    /** Applies a write (the part of it within {@code [from, to)}) or a truncation to a file's content and size. */
    private static void apply(Op op, byte[][] content, int[] size, long from, long to) {
        if (op instanceof Truncate t) {
            if (t.size() < size[0]) {
                Arrays.fill(content[0], (int) t.size(), size[0], (byte) 0);
                size[0] = (int) t.size();
            }
            return;
        }
        Write w = (Write) op;
        long start = Math.max(w.position(), from);
        long end = Math.min(w.position() + w.bytes().length, to);
        if (start >= end) {
            return;
        }
        if (end > content[0].length) {
            content[0] = Arrays.copyOf(content[0], (int) Math.max(end, Math.min(2L * content[0].length, 1 << 30)));
        }
        System.arraycopy(w.bytes(), (int) (start - w.position()), content[0], (int) start, (int) (end - start));
        size[0] = (int) Math.max(size[0], end);
    }

    private static void applyEntry(Op op, Map<String, Integer> entries) {
        if (op instanceof Create c) {
            entries.put(c.name(), c.inode());
        } else if (op instanceof Move m) {
            Integer inode = entries.remove(m.from());
            if (inode != null) {
                entries.put(m.to(), inode);
            }
        } else if (op instanceof Delete d) {
            entries.remove(d.name());
        } else {
            throw new IllegalStateException("not a directory entry operation: " + op);
        }
    }
}
