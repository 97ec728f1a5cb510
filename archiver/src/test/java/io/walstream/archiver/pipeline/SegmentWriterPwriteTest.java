package io.walstream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SegmentWriter#pwrite} writes exactly the bytes asked for, whatever kind of buffer holds them. */
class SegmentWriterPwriteTest {

    @TempDir
    Path dir;

    @Test
    void writesTheRightBytesFromEveryKindOfBuffer() throws IOException {
        List<ByteBuf> owners = new ArrayList<>();
        byte[] content = new byte[64 << 10];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7 + (i >> 9));
        }
        try (FileChannel ch = FileChannel.open(dir.resolve("f"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            for (ByteBufAllocator alloc : List.of(ByteBufAllocator.DEFAULT, PooledByteBufAllocator.DEFAULT,
                    UnpooledByteBufAllocator.DEFAULT)) {
                for (boolean direct : new boolean[] {true, false}) {
                    ByteBuf owner = direct ? alloc.directBuffer(64 << 10) : alloc.heapBuffer(64 << 10);
                    owners.add(owner);
                    owner.writeBytes(content);
                    check(ch, owner, 3);
                    ByteBuf slice = owner.retainedSlice(12_345, 8192);
                    owners.add(slice);
                    check(ch, slice, 17);
                    ByteBuf sliceOfSlice = slice.retainedSlice(100, 4000);
                    owners.add(sliceOfSlice);
                    check(ch, sliceOfSlice, 0);
                    ByteBuf duplicate = owner.retainedDuplicate().readerIndex(999);
                    owners.add(duplicate);
                    check(ch, duplicate, 5);
                }
            }
            CompositeByteBuf composite = Unpooled.compositeBuffer()
                    .addComponent(true, Unpooled.directBuffer(100).writeZero(100))
                    .addComponent(true, Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5}));
            owners.add(composite);
            check(ch, composite, 90);
        } finally {
            owners.forEach(ByteBuf::release);
        }
    }

    private static void check(FileChannel ch, ByteBuf buf, int skip) throws IOException {
        int index = buf.readerIndex() + skip;
        int length = buf.readableBytes() - skip - 1;
        long position = 4096 + skip;
        ch.truncate(0);
        int written = 0;
        while (written < length) {
            written += SegmentWriter.pwrite(buf, index + written, ch, position + written, length - written);
        }
        ByteBuffer read = ByteBuffer.allocate(length);
        ch.read(read, position);
        byte[] expected = new byte[length];
        buf.getBytes(index, expected);
        assertThat(read.array()).as(buf.toString()).isEqualTo(expected);
        assertThat(ch.size()).isEqualTo(position + length);
    }
}
