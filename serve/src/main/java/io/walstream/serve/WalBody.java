package io.walstream.serve;

import java.io.IOException;
import java.nio.channels.FileChannel;

/** The bytes of one answer: a plain local file sent as it is (zero copy), or content decompressed or assembled here. */
sealed interface WalBody {

    long length();

    /** Frees what the body holds when it is not sent after all. */
    void discard();

    /** A plain file on the local disk, already open (a receiver may rename or compress it meanwhile). */
    record OpenFile(FileChannel channel, long length) implements WalBody {

        @Override
        public void discard() {
            try {
                channel.close();
            } catch (IOException e) {
                // nothing was sent from it
            }
        }
    }

    /** Plain bytes: a decompressed segment, a {@code .partial} up to its flushed end, or a remote file. */
    record Bytes(byte[] content) implements WalBody {

        @Override
        public long length() {
            return content.length;
        }

        @Override
        public void discard() {
        }
    }
}
