package dev.offpool.nativebridge;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.util.Objects;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

/**
 * A JNA {@link Memory} whose every accessor checks its range and its memory's liveness first and then touches the
 * memory through FFM, never through JNA's own {@code Native.getXxx}/{@code setXxx} calls on {@code peer}.
 *
 * <p>JNA's {@code Memory} bounds-checks most accessors through {@code boundsCheck}, but {@code setMemory} (hence
 * {@code clear}), {@code indexOf}, and the string readers past their first byte go straight to the address, and
 * {@code share} views and {@code getByteBuffer} buffers outlive {@code close()} silently. This class overrides every
 * method of {@link Pointer} and {@link Memory} that reads, writes or exposes memory (a test checks the list against
 * the JNA on the class path), so none of them can reach a block that is gone:
 * <ul>
 *   <li>{@link #access(long, long)} checks {@code [offset, offset + byteCount)} against {@link #size()} and then
 *       {@link #acquire()}s the memory, which throws {@link IllegalStateException} once it is closed and otherwise
 *       keeps it from being released until the matching {@link #release()};</li>
 *   <li>the bytes are then read or written through the segment {@code acquire} returned, whose offset 0 is this
 *       memory's first byte.</li>
 * </ul>
 * Strings are read up to a NUL inside the memory, never past its end, and {@code indexOf} searches the memory only.
 * Values use the platform's byte order and JNA's sizes ({@link Native#WCHAR_SIZE} for {@code char}, as JNA's own
 * {@code getChar} reads a {@code wchar_t}). The JDK runs only on 64-bit platforms here, so a pointer is 8 bytes.
 *
 * <p>Subclasses say what the memory is ({@link PooledMemory}, its views, {@link SegmentMemory}); they must set
 * {@code peer} and {@code size} in their constructor and never change {@code size}.
 */
abstract class CheckedMemory extends Memory {
    private static final int POINTER_BYTES = 8;
    private static final int WCHAR_BYTES = Native.WCHAR_SIZE;

    CheckedMemory() {
    }

    /**
     * Makes the memory safe to touch until {@link #release()}: checks that it is open and holds it open.
     *
     * @return a segment whose offset 0 is this memory's first byte, at least {@link #size()} bytes long
     * @throws IllegalStateException if the memory is closed
     */
    abstract MemorySegment acquire();

    /** Ends what the matching {@link #acquire()} began. */
    abstract void release();

    /** {@return a view of {@code byteCount} bytes from {@code offset}, which the caller has range-checked} */
    abstract CheckedMemory view(long offset, long byteCount);

    /**
     * {@return a segment over this memory bound to a scope that closes when the memory does, for buffers handed out}
     *
     * @throws IllegalStateException if the memory is closed
     */
    abstract MemorySegment scopedSegment();

    /** {@return whether the memory is open} Accesses may still fail if another thread closes it meanwhile. */
    abstract boolean isOpen();

    /** {@return a short description for messages, such as "the 64-byte pooled memory at 0x7f00..."} */
    abstract String describe();

    /**
     * Checks {@code [offset, offset + byteCount)} against the size, then {@link #acquire()}s the memory.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the memory
     * @throws IllegalStateException     if the memory is closed
     */
    final MemorySegment access(long offset, long byteCount) {
        checkRange(offset, byteCount);
        return acquire();
    }

    final void checkRange(long offset, long byteCount) {
        if (offset < 0 || byteCount < 0 || offset > size - byteCount) {
            throw new IndexOutOfBoundsException("offset " + offset + " and length " + byteCount
                    + " do not fit in " + describe());
        }
    }

    final IllegalStateException closedException() {
        return new IllegalStateException(describe() + " is closed");
    }

    /** Called by JNA's own code paths; checks the range and that the memory is still open. */
    @Override
    protected final void boundsCheck(long offset, long byteCount) {
        checkRange(offset, byteCount);
        if (!isOpen()) {
            throw closedException();
        }
    }

    @Override
    public final boolean valid() {
        return isOpen();
    }

    // -----------------------------------------------------------------------------------------------------------
    // Views.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@return a view from {@code offset} to the end} It is bounded and checked like this memory and keeps it
     * reachable.
     *
     * @throws IndexOutOfBoundsException if {@code offset} is outside the memory
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final Pointer share(long offset) {
        return share(offset, size - offset);
    }

    /**
     * {@return a view of {@code byteCount} bytes from {@code offset}} It is bounded and checked like this memory,
     * keeps it reachable, and dies with it.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the memory
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final Pointer share(long offset, long byteCount) {
        boundsCheck(offset, byteCount);
        return view(offset, byteCount);
    }

    /**
     * {@return a direct buffer over {@code length} bytes from {@code offset}, in native byte order} The buffer is
     * backed by a segment whose scope closes with this memory: after {@code close()} any access to it throws
     * {@link IllegalStateException} instead of reaching a block that may have a new owner. While the buffer is
     * reachable, so is this memory.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the memory
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final ByteBuffer getByteBuffer(long offset, long length) {
        boundsCheck(offset, length);
        return scopedSegment().asSlice(offset, length).asByteBuffer().order(ByteOrder.nativeOrder());
    }

    // -----------------------------------------------------------------------------------------------------------
    // Single values.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final byte getByte(long offset) {
        MemorySegment memory = access(offset, Byte.BYTES);
        try {
            return memory.get(JAVA_BYTE, offset);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final short getShort(long offset) {
        MemorySegment memory = access(offset, Short.BYTES);
        try {
            return memory.get(JAVA_SHORT_UNALIGNED, offset);
        } finally {
            release();
        }
    }

    /**
     * Reads a {@code wchar_t} ({@link Native#WCHAR_SIZE} bytes) and narrows it to a {@code char}, as JNA does.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final char getChar(long offset) {
        MemorySegment memory = access(offset, WCHAR_BYTES);
        try {
            return readWideChar(memory, offset);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final int getInt(long offset) {
        MemorySegment memory = access(offset, Integer.BYTES);
        try {
            return memory.get(JAVA_INT_UNALIGNED, offset);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final long getLong(long offset) {
        MemorySegment memory = access(offset, Long.BYTES);
        try {
            return memory.get(JAVA_LONG_UNALIGNED, offset);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final float getFloat(long offset) {
        MemorySegment memory = access(offset, Float.BYTES);
        try {
            return memory.get(JAVA_FLOAT_UNALIGNED, offset);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final double getDouble(long offset) {
        MemorySegment memory = access(offset, Double.BYTES);
        try {
            return memory.get(JAVA_DOUBLE_UNALIGNED, offset);
        } finally {
            release();
        }
    }

    /**
     * {@return the pointer stored at {@code offset}, or null for NULL} As with JNA's {@code Memory}, a pointer into
     * this memory comes back as a view of it, so holding it keeps this memory reachable.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final Pointer getPointer(long offset) {
        MemorySegment memory = access(offset, POINTER_BYTES);
        try {
            return pointerTo(memory, memory.get(JAVA_LONG_UNALIGNED, offset));
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setByte(long offset, byte value) {
        MemorySegment memory = access(offset, Byte.BYTES);
        try {
            memory.set(JAVA_BYTE, offset, value);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setShort(long offset, short value) {
        MemorySegment memory = access(offset, Short.BYTES);
        try {
            memory.set(JAVA_SHORT_UNALIGNED, offset, value);
        } finally {
            release();
        }
    }

    /**
     * Writes {@code value} as a {@code wchar_t} ({@link Native#WCHAR_SIZE} bytes), as JNA does.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setChar(long offset, char value) {
        MemorySegment memory = access(offset, WCHAR_BYTES);
        try {
            writeWideChar(memory, offset, value);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setInt(long offset, int value) {
        MemorySegment memory = access(offset, Integer.BYTES);
        try {
            memory.set(JAVA_INT_UNALIGNED, offset, value);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setLong(long offset, long value) {
        MemorySegment memory = access(offset, Long.BYTES);
        try {
            memory.set(JAVA_LONG_UNALIGNED, offset, value);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setFloat(long offset, float value) {
        MemorySegment memory = access(offset, Float.BYTES);
        try {
            memory.set(JAVA_FLOAT_UNALIGNED, offset, value);
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setDouble(long offset, double value) {
        MemorySegment memory = access(offset, Double.BYTES);
        try {
            memory.set(JAVA_DOUBLE_UNALIGNED, offset, value);
        } finally {
            release();
        }
    }

    /**
     * Stores the address of {@code value} (0 for null) at {@code offset}.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setPointer(long offset, Pointer value) {
        MemorySegment memory = access(offset, POINTER_BYTES);
        try {
            memory.set(JAVA_LONG_UNALIGNED, offset, Pointer.nativeValue(value));
        } finally {
            release();
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Arrays and fills.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, byte[] buf, int index, int length) {
        copyOut(offset, JAVA_BYTE, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, short[] buf, int index, int length) {
        copyOut(offset, JAVA_SHORT_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, int[] buf, int index, int length) {
        copyOut(offset, JAVA_INT_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, long[] buf, int index, int length) {
        copyOut(offset, JAVA_LONG_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, float[] buf, int index, int length) {
        copyOut(offset, JAVA_FLOAT_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, double[] buf, int index, int length) {
        copyOut(offset, JAVA_DOUBLE_UNALIGNED, buf, index, length);
    }

    /**
     * Reads {@code length} {@code wchar_t}s, each narrowed to a {@code char} as JNA does.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, char[] buf, int index, int length) {
        Objects.checkFromIndexSize(index, length, buf.length);
        MemorySegment memory = access(offset, (long) length * WCHAR_BYTES);
        try {
            for (int i = 0; i < length; i++) {
                buf[index + i] = readWideChar(memory, offset + (long) i * WCHAR_BYTES);
            }
        } finally {
            release();
        }
    }

    /**
     * Reads {@code length} pointers; as JNA does, an element that already holds a pointer to the same address is
     * left as it is, and a pointer into this memory comes back as a view of it.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void read(long offset, Pointer[] buf, int index, int length) {
        Objects.checkFromIndexSize(index, length, buf.length);
        MemorySegment memory = access(offset, (long) length * POINTER_BYTES);
        try {
            for (int i = 0; i < length; i++) {
                long value = memory.get(JAVA_LONG_UNALIGNED, offset + (long) i * POINTER_BYTES);
                Pointer old = buf[index + i];
                if (old == null || value == 0 || Pointer.nativeValue(old) != value) {
                    buf[index + i] = pointerTo(memory, value);
                }
            }
        } finally {
            release();
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, byte[] buf, int index, int length) {
        copyIn(offset, JAVA_BYTE, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, short[] buf, int index, int length) {
        copyIn(offset, JAVA_SHORT_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, int[] buf, int index, int length) {
        copyIn(offset, JAVA_INT_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, long[] buf, int index, int length) {
        copyIn(offset, JAVA_LONG_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, float[] buf, int index, int length) {
        copyIn(offset, JAVA_FLOAT_UNALIGNED, buf, index, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, double[] buf, int index, int length) {
        copyIn(offset, JAVA_DOUBLE_UNALIGNED, buf, index, length);
    }

    /**
     * Writes {@code length} {@code char}s, each as a {@code wchar_t} as JNA does.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, char[] buf, int index, int length) {
        Objects.checkFromIndexSize(index, length, buf.length);
        MemorySegment memory = access(offset, (long) length * WCHAR_BYTES);
        try {
            for (int i = 0; i < length; i++) {
                writeWideChar(memory, offset + (long) i * WCHAR_BYTES, buf[index + i]);
            }
        } finally {
            release();
        }
    }

    /**
     * Writes the addresses of {@code length} pointers (0 for a null element).
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void write(long offset, Pointer[] buf, int index, int length) {
        Objects.checkFromIndexSize(index, length, buf.length);
        long[] values = new long[length];
        for (int i = 0; i < length; i++) {
            values[i] = Pointer.nativeValue(buf[index + i]);
        }
        copyIn(offset, JAVA_LONG_UNALIGNED, values, 0, length);
    }

    /**
     * Fills {@code length} bytes from {@code offset} with {@code value}; {@link #clear()} comes here too.
     *
     * @throws IndexOutOfBoundsException if the bytes it touches are not all inside this memory
     * @throws IllegalStateException     if this memory is closed
     */
    @Override
    public final void setMemory(long offset, long length, byte value) {
        MemorySegment memory = access(offset, length);
        try {
            memory.asSlice(offset, length).fill(value);
        } finally {
            release();
        }
    }

    /**
     * {@return the distance from {@code offset} to the first byte equal to {@code value}, or -1 if there is none
     * before the end of this memory} JNA's {@code Pointer.indexOf} searches without bound; this one stops at the end.
     *
     * @throws IndexOutOfBoundsException if {@code offset} is outside the memory
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final long indexOf(long offset, byte value) {
        MemorySegment memory = access(offset, 0);
        try {
            return find(memory, offset, value);
        } finally {
            release();
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Strings.
    // -----------------------------------------------------------------------------------------------------------

    /**
     * {@return the NUL-terminated string at {@code offset}, decoded with {@code encoding}} (null or an unknown name:
     * JNA's default encoding).
     *
     * @throws IndexOutOfBoundsException if {@code offset} is outside the memory, or no NUL ends the string before
     *                                   the end of the memory (JNA's {@code Memory} would read on past it)
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final String getString(long offset, String encoding) {
        MemorySegment memory = access(offset, 0);
        try {
            long length = find(memory, offset, (byte) 0);
            if (length < 0) {
                throw new IndexOutOfBoundsException("no NUL ends the string at offset " + offset + " before the end"
                        + " of " + describe());
            }
            byte[] bytes = memory.asSlice(offset, length).toArray(JAVA_BYTE);
            return new String(bytes, charset(encoding));
        } finally {
            release();
        }
    }

    /**
     * {@return the {@code wchar_t} string at {@code offset}, ended by a 0 character} Each {@code wchar_t} is
     * narrowed to a {@code char}, as JNA does.
     *
     * @throws IndexOutOfBoundsException if {@code offset} is outside the memory or no 0 character ends the string
     *                                   before the end of the memory
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final String getWideString(long offset) {
        MemorySegment memory = access(offset, 0);
        try {
            StringBuilder text = new StringBuilder();
            for (long at = offset; at <= size - WCHAR_BYTES; at += WCHAR_BYTES) {
                char c = readWideChar(memory, at);
                if (c == 0) {
                    return text.toString();
                }
                text.append(c);
            }
            throw new IndexOutOfBoundsException("no 0 character ends the wide string at offset " + offset
                    + " before the end of " + describe());
        } finally {
            release();
        }
    }

    /**
     * Writes {@code value} encoded with {@code encoding} (null or an unknown name: JNA's default) and a NUL.
     *
     * @throws IndexOutOfBoundsException if the bytes and the NUL do not fit from {@code offset}
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final void setString(long offset, String value, String encoding) {
        byte[] bytes = value.getBytes(charset(encoding));
        MemorySegment memory = access(offset, bytes.length + 1L);
        try {
            MemorySegment.copy(bytes, 0, memory, JAVA_BYTE, offset, bytes.length);
            memory.set(JAVA_BYTE, offset + bytes.length, (byte) 0);
        } finally {
            release();
        }
    }

    /**
     * Writes {@code value} as {@code wchar_t}s and a 0 character.
     *
     * @throws IndexOutOfBoundsException if the characters and the 0 do not fit from {@code offset}
     * @throws IllegalStateException     if the memory is closed
     */
    @Override
    public final void setWideString(long offset, String value) {
        int length = value.length();
        MemorySegment memory = access(offset, (length + 1L) * WCHAR_BYTES);
        try {
            for (int i = 0; i < length; i++) {
                writeWideChar(memory, offset + (long) i * WCHAR_BYTES, value.charAt(i));
            }
            writeWideChar(memory, offset + (long) length * WCHAR_BYTES, (char) 0);
        } finally {
            release();
        }
    }

    // -----------------------------------------------------------------------------------------------------------
    // Helpers.
    // -----------------------------------------------------------------------------------------------------------

    private void copyOut(long offset, ValueLayout layout, Object array, int index, int length) {
        MemorySegment memory = access(offset, (long) length * layout.byteSize());
        try {
            MemorySegment.copy(memory, layout, offset, array, index, length);
        } finally {
            release();
        }
    }

    private void copyIn(long offset, ValueLayout layout, Object array, int index, int length) {
        MemorySegment memory = access(offset, (long) length * layout.byteSize());
        try {
            MemorySegment.copy(array, index, memory, layout, offset, length);
        } finally {
            release();
        }
    }

    /**
     * {@return null for 0, a view if {@code address} lies in this memory (to keep it reachable, as JNA does), else a
     * plain Pointer} Called while {@code memory}, the segment {@link #acquire()} returned, is held.
     */
    private Pointer pointerTo(MemorySegment memory, long address) {
        if (address == 0) {
            return null;
        }
        long offset = address - memory.address();
        return offset >= 0 && offset < size ? view(offset, size - offset) : new Pointer(address);
    }

    private long find(MemorySegment memory, long offset, byte value) {
        for (long at = offset; at < size; at++) {
            if (memory.get(JAVA_BYTE, at) == value) {
                return at - offset;
            }
        }
        return -1;
    }

    private static char readWideChar(MemorySegment memory, long offset) {
        return WCHAR_BYTES == Integer.BYTES
                ? (char) memory.get(JAVA_INT_UNALIGNED, offset)
                : (char) memory.get(JAVA_SHORT_UNALIGNED, offset);
    }

    private static void writeWideChar(MemorySegment memory, long offset, char value) {
        if (WCHAR_BYTES == Integer.BYTES) {
            memory.set(JAVA_INT_UNALIGNED, offset, value);
        } else {
            memory.set(JAVA_SHORT_UNALIGNED, offset, (short) value);
        }
    }

    /** JNA's rule: a null or unsupported encoding name means JNA's default charset. */
    private static Charset charset(String encoding) {
        if (encoding == null) {
            return Native.DEFAULT_CHARSET;
        }
        try {
            return Charset.forName(encoding);
        } catch (IllegalArgumentException unsupported) {
            return Native.DEFAULT_CHARSET;
        }
    }
}
