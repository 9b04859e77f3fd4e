package com.example.bufferapps;

import dev.offpool.OffPool;
import dev.offpool.agent.Redirects;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.BufferOverflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ReadOnlyBufferException;

import static com.example.bufferapps.Checks.check;
import static com.example.bufferapps.Checks.throwsIt;

/** An ordinary program's use of direct buffers: every behaviour a redirected buffer must share with the JDK's. */
public final class BufferBehaviourApp {
    private BufferBehaviourApp() {
    }

    public static void main(String[] args) {
        for (int capacity : new int[] {1, 64, 100, 4096, 65536}) {
            checkBuffer(capacity);
        }
        Checks.value("pageSource", OffPool.global().stats().pageSource());
        Checks.finish();
    }

    private static void checkBuffer(int capacity) {
        String at = "[" + capacity + "]";
        ByteBuffer buffer = ByteBuffer.allocateDirect(capacity);
        check("redirected" + at, Redirects.isRedirected(buffer));
        check("isDirect" + at, buffer.isDirect());
        check("bigEndian" + at, buffer.order() == ByteOrder.BIG_ENDIAN);
        check("position0" + at, buffer.position() == 0, buffer.position());
        check("limitIsCapacity" + at, buffer.limit() == capacity && buffer.capacity() == capacity, buffer);
        check("notReadOnly" + at, !buffer.isReadOnly());
        boolean zeroed = true;
        for (int i = 0; i < capacity; i++) {
            zeroed &= buffer.get(i) == 0;
        }
        check("zeroed" + at, zeroed);

        for (int i = 0; i < capacity; i++) {
            buffer.put(i, (byte) i);
        }
        ByteBuffer duplicate = buffer.duplicate();
        check("duplicateSharesContent" + at, duplicate.get(capacity - 1) == (byte) (capacity - 1)
                && duplicate.capacity() == capacity && duplicate.isDirect());
        check("duplicateIsNotRoot" + at, !Redirects.isRedirected(duplicate));
        duplicate.put(0, (byte) 7);
        check("duplicateWritesThrough" + at, buffer.get(0) == 7);

        ByteBuffer slice = buffer.slice(capacity / 2, capacity - capacity / 2);
        check("sliceSeesItsWindow" + at, slice.get(0) == buffer.get(capacity / 2) && slice.isDirect()
                && slice.capacity() == capacity - capacity / 2);
        slice.put(0, (byte) 42);
        check("sliceWritesThrough" + at, buffer.get(capacity / 2) == 42);
        throwsIt("slicePastItsEndThrows" + at, IndexOutOfBoundsException.class, () -> slice.get(slice.capacity()));

        ByteBuffer readOnly = buffer.asReadOnlyBuffer();
        check("readOnlyReads" + at, readOnly.isReadOnly() && readOnly.get(0) == buffer.get(0));
        throwsIt("readOnlyRejectsWrites" + at, ReadOnlyBufferException.class, () -> readOnly.put(0, (byte) 1));

        if (capacity >= 16) {
            buffer.putInt(0, 0x01020304);
            check("bigEndianBytes" + at, buffer.get(0) == 1 && buffer.get(3) == 4);
            IntBuffer ints = buffer.asIntBuffer();
            check("intViewReads" + at, ints.get(0) == 0x01020304 && ints.capacity() == capacity / 4);
            ints.put(1, 0x0A0B0C0D);
            check("intViewWritesThrough" + at, buffer.getInt(4) == 0x0A0B0C0D);
            LongBuffer longs = buffer.order(ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            buffer.order(ByteOrder.BIG_ENDIAN);
            longs.put(1, 0x1122334455667788L);
            check("littleEndianLongView" + at, buffer.get(8) == (byte) 0x88);
            throwsIt("intViewPastEndThrows" + at, IndexOutOfBoundsException.class, () -> ints.get(ints.limit()));
        }

        MemorySegment segment = MemorySegment.ofBuffer(buffer);
        check("ofBufferSize" + at, segment.byteSize() == capacity, segment);
        segment.set(ValueLayout.JAVA_BYTE, capacity - 1, (byte) 99);
        check("ofBufferWritesThrough" + at, buffer.get(capacity - 1) == 99);
        throwsIt("ofBufferPastEndThrows" + at, IndexOutOfBoundsException.class,
                () -> segment.get(ValueLayout.JAVA_BYTE, capacity));

        throwsIt("absoluteGetPastLimitThrows" + at, IndexOutOfBoundsException.class, () -> buffer.get(capacity));
        throwsIt("absolutePutPastLimitThrows" + at, IndexOutOfBoundsException.class,
                () -> buffer.put(capacity, (byte) 1));
        throwsIt("negativeIndexThrows" + at, IndexOutOfBoundsException.class, () -> buffer.get(-1));
        buffer.position(capacity);
        throwsIt("relativePutPastLimitThrows" + at, BufferOverflowException.class, () -> buffer.put((byte) 1));
        buffer.clear();
        throwsIt("bulkPutPastLimitThrows" + at, BufferOverflowException.class,
                () -> buffer.put(new byte[capacity + 1]));
    }
}
