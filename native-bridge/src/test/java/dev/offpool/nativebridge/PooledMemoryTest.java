package dev.offpool.nativebridge;

import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.WString;
import dev.offpool.OffPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PooledMemoryTest {
    private final OffPool pool = OffPool.builder().build();

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void allocatedMemoryIsZeroedSixteenByteAlignedAndExactlyTheSizeAsked() {
        try (PooledMemory memory = PooledMemory.allocate(pool, 100)) {
            assertEquals(100, memory.size());
            assertEquals(0, Pointer.nativeValue(memory) % 16);
            assertArrayEquals(new byte[100], memory.getByteArray(0, 100));
            assertTrue(memory.valid());
        }
    }

    @Test
    void nonPositiveSizeIsRejectedAndNothingIsAllocated() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PooledMemory.allocate(pool, 0));
        assertTrue(e.getMessage().contains("was 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PooledMemory.allocate(pool, -8));
        assertEquals(0, pool.stats().blocksInUse());
    }

    @Test
    void closeReturnsTheBlockToItsPoolAndASecondCloseIsHarmless() {
        PooledMemory memory = PooledMemory.allocate(pool, 64);
        assertEquals(1, pool.stats().blocksInUse());

        memory.close();
        assertEquals(0, pool.stats().blocksInUse());
        assertFalse(memory.valid());
        assertEquals(0, Pointer.nativeValue(memory), "peer is 0 once the block is back, as JNA's Memory");

        memory.close();
        assertEquals(0, pool.stats().blocksInUse());
        pool.verify();
    }

    /**
     * The same writes on JNA's own Memory and on a pooled one leave the same bytes and read back the same values:
     * sizes, byte order, wchar_t width and string encodings are JNA's.
     */
    @Test
    void everyAccessorReadsAndWritesTheSameBytesAsJnaMemory() {
        Consumer<Memory> writes = m -> {
            m.clear();
            m.setByte(0, (byte) -2);
            m.setShort(1, (short) 0x1234);
            m.setChar(3, '\u20ac');
            m.setInt(9, 0xCAFEBABE);
            m.setLong(13, 0x0123456789ABCDEFL);
            m.setFloat(21, 1.5f);
            m.setDouble(25, -2.25);
            m.setNativeLong(33, new NativeLong(77));
            m.setPointer(41, new Pointer(0x1234_5678L));
            m.setString(49, "h\u00e9llo", "UTF-8");
            m.setString(60, "latin\u00e9", "ISO-8859-1");
            m.setWideString(70, "wide\u00e9");
            m.setString(100, new WString("w"));
            m.write(120, new short[] {1, -2, 3}, 0, 3);
            m.write(126, new int[] {4, 5}, 0, 2);
            m.write(134, new long[] {6L}, 0, 1);
            m.write(142, new float[] {7f}, 0, 1);
            m.write(146, new double[] {8d}, 0, 1);
            m.write(154, new char[] {'a', '\u00ff'}, 0, 2);
            m.write(170, new Pointer[] {null, new Pointer(99)}, 0, 2);
            m.write(186, new byte[] {9, 10, 11}, 1, 2);
            m.setMemory(190, 5, (byte) 0x7F);
        };
        try (Memory jna = new Memory(200); PooledMemory pooled = PooledMemory.allocate(pool, 200)) {
            writes.accept(jna);
            writes.accept(pooled);

            assertArrayEquals(jna.getByteArray(0, 200), pooled.getByteArray(0, 200));
            assertEquals(jna.getByte(0), pooled.getByte(0));
            assertEquals(jna.getShort(1), pooled.getShort(1));
            assertEquals(jna.getChar(3), pooled.getChar(3));
            assertEquals(jna.getInt(9), pooled.getInt(9));
            assertEquals(jna.getLong(13), pooled.getLong(13));
            assertEquals(jna.getFloat(21), pooled.getFloat(21));
            assertEquals(jna.getDouble(25), pooled.getDouble(25));
            assertEquals(jna.getNativeLong(33), pooled.getNativeLong(33));
            assertEquals(jna.getPointer(41), pooled.getPointer(41));
            assertEquals(jna.getString(49, "UTF-8"), pooled.getString(49, "UTF-8"));
            assertEquals(jna.getString(60, "ISO-8859-1"), pooled.getString(60, "ISO-8859-1"));
            assertEquals(jna.getWideString(70), pooled.getWideString(70));
            assertEquals(jna.getWideString(100), pooled.getWideString(100));
            assertArrayEquals(jna.getShortArray(120, 3), pooled.getShortArray(120, 3));
            assertArrayEquals(jna.getIntArray(126, 2), pooled.getIntArray(126, 2));
            assertArrayEquals(jna.getLongArray(134, 1), pooled.getLongArray(134, 1));
            assertArrayEquals(jna.getFloatArray(142, 1), pooled.getFloatArray(142, 1));
            assertArrayEquals(jna.getDoubleArray(146, 1), pooled.getDoubleArray(146, 1));
            assertArrayEquals(jna.getCharArray(154, 2), pooled.getCharArray(154, 2));
            assertArrayEquals(jna.getPointerArray(170, 2), pooled.getPointerArray(170, 2));
            assertEquals(jna.indexOf(186, (byte) 0x7F), pooled.indexOf(186, (byte) 0x7F));
            assertEquals(jna.dump(), pooled.dump());
        }
    }

    @Test
    void aPointerIntoTheMemoryReadsBackAsAViewThatKeepsItReachable() {
        try (PooledMemory memory = PooledMemory.allocate(pool, 64)) {
            memory.setPointer(0, memory.share(16));
            Pointer inside = memory.getPointer(0);

            assertInstanceOf(Memory.class, inside);
            assertEquals(48, ((Memory) inside).size());
            inside.setInt(0, 42);
            assertEquals(42, memory.getInt(16));
        }
    }

    @Test
    void accessesOutsideTheMemoryThrowIndexOutOfBoundsAndWriteNothing() {
        try (PooledMemory memory = PooledMemory.allocate(pool, 16)) {
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getInt(13));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.setLong(-1, 1));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.setMemory(8, 9, (byte) 1));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.write(0, new byte[17], 0, 17));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.setString(10, "123456"));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.share(8, 9));
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getByteBuffer(0, 17));
            assertArrayEquals(new byte[16], memory.getByteArray(0, 16));
        }
    }

    @Test
    void stringsAndSearchesStopAtTheEndOfTheMemory() {
        try (PooledMemory memory = PooledMemory.allocate(pool, 8)) {
            memory.setMemory(0, 8, (byte) 'a');

            IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> memory.getString(0));
            assertTrue(e.getMessage().contains("no NUL"), e.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> memory.getWideString(0));
            assertEquals(-1, memory.indexOf(0, (byte) 0));
            assertEquals(-1, memory.indexOf(2, (byte) 'b'));
        }
    }

    /** Every public way into the memory, by name; each must throw IllegalStateException after close. */
    private static Map<String, Executable> everyAccess(Memory m) {
        Map<String, Executable> accesses = new LinkedHashMap<>();
        accesses.put("getByte", () -> m.getByte(0));
        accesses.put("getShort", () -> m.getShort(0));
        accesses.put("getChar", () -> m.getChar(0));
        accesses.put("getInt", () -> m.getInt(0));
        accesses.put("getLong", () -> m.getLong(0));
        accesses.put("getNativeLong", () -> m.getNativeLong(0));
        accesses.put("getFloat", () -> m.getFloat(0));
        accesses.put("getDouble", () -> m.getDouble(0));
        accesses.put("getPointer", () -> m.getPointer(0));
        accesses.put("setByte", () -> m.setByte(0, (byte) 1));
        accesses.put("setShort", () -> m.setShort(0, (short) 1));
        accesses.put("setChar", () -> m.setChar(0, 'x'));
        accesses.put("setInt", () -> m.setInt(0, 1));
        accesses.put("setLong", () -> m.setLong(0, 1));
        accesses.put("setNativeLong", () -> m.setNativeLong(0, new NativeLong(1)));
        accesses.put("setFloat", () -> m.setFloat(0, 1));
        accesses.put("setDouble", () -> m.setDouble(0, 1));
        accesses.put("setPointer", () -> m.setPointer(0, null));
        accesses.put("read byte[]", () -> m.read(0, new byte[1], 0, 1));
        accesses.put("read short[]", () -> m.read(0, new short[1], 0, 1));
        accesses.put("read char[]", () -> m.read(0, new char[1], 0, 1));
        accesses.put("read int[]", () -> m.read(0, new int[1], 0, 1));
        accesses.put("read long[]", () -> m.read(0, new long[1], 0, 1));
        accesses.put("read float[]", () -> m.read(0, new float[1], 0, 1));
        accesses.put("read double[]", () -> m.read(0, new double[1], 0, 1));
        accesses.put("read Pointer[]", () -> m.read(0, new Pointer[1], 0, 1));
        accesses.put("write byte[]", () -> m.write(0, new byte[1], 0, 1));
        accesses.put("write short[]", () -> m.write(0, new short[1], 0, 1));
        accesses.put("write char[]", () -> m.write(0, new char[1], 0, 1));
        accesses.put("write int[]", () -> m.write(0, new int[1], 0, 1));
        accesses.put("write long[]", () -> m.write(0, new long[1], 0, 1));
        accesses.put("write float[]", () -> m.write(0, new float[1], 0, 1));
        accesses.put("write double[]", () -> m.write(0, new double[1], 0, 1));
        accesses.put("write Pointer[]", () -> m.write(0, new Pointer[1], 0, 1));
        accesses.put("getByteArray", () -> m.getByteArray(0, 1));
        accesses.put("getCharArray", () -> m.getCharArray(0, 1));
        accesses.put("getShortArray", () -> m.getShortArray(0, 1));
        accesses.put("getIntArray", () -> m.getIntArray(0, 1));
        accesses.put("getLongArray", () -> m.getLongArray(0, 1));
        accesses.put("getFloatArray", () -> m.getFloatArray(0, 1));
        accesses.put("getDoubleArray", () -> m.getDoubleArray(0, 1));
        accesses.put("getPointerArray", () -> m.getPointerArray(0));
        accesses.put("getPointerArray sized", () -> m.getPointerArray(0, 1));
        accesses.put("getStringArray", () -> m.getStringArray(0));
        accesses.put("getStringArray sized", () -> m.getStringArray(0, 1));
        accesses.put("getStringArray encoded", () -> m.getStringArray(0, "UTF-8"));
        accesses.put("getStringArray sized encoded", () -> m.getStringArray(0, 1, "UTF-8"));
        accesses.put("getWideStringArray", () -> m.getWideStringArray(0));
        accesses.put("getWideStringArray sized", () -> m.getWideStringArray(0, 1));
        accesses.put("getString", () -> m.getString(0));
        accesses.put("getString encoded", () -> m.getString(0, "UTF-8"));
        accesses.put("getWideString", () -> m.getWideString(0));
        accesses.put("setString", () -> m.setString(0, "x"));
        accesses.put("setString encoded", () -> m.setString(0, "x", "UTF-8"));
        accesses.put("setString WString", () -> m.setString(0, new WString("x")));
        accesses.put("setWideString", () -> m.setWideString(0, "x"));
        accesses.put("setMemory", () -> m.setMemory(0, 1, (byte) 1));
        accesses.put("clear", m::clear);
        accesses.put("clear sized", () -> m.clear(1));
        accesses.put("indexOf", () -> m.indexOf(0, (byte) 1));
        accesses.put("dump", m::dump);
        accesses.put("dump range", () -> m.dump(0, 1));
        accesses.put("share", () -> m.share(0));
        accesses.put("share sized", () -> m.share(0, 1));
        accesses.put("align", () -> m.align(8).getByte(0));
        accesses.put("getByteBuffer", () -> m.getByteBuffer(0, 1));
        accesses.put("segmentOf", () -> PooledJna.segmentOf(m));
        return accesses;
    }

    @Test
    void everyAccessAfterCloseThrowsIllegalStateExceptionNamingTheMemory() {
        PooledMemory memory = PooledMemory.allocate(pool, 64);
        memory.close();

        everyAccess(memory).forEach((name, access) -> {
            IllegalStateException e = assertThrows(IllegalStateException.class, access, name);
            assertTrue(e.getMessage().contains("pooled memory") && e.getMessage().contains("closed"),
                    name + ": " + e.getMessage());
        });
        assertThrows(IllegalStateException.class, memory::asSegment);
    }

    @Test
    void everyAccessThroughAViewThrowsAfterTheOwnerCloses() {
        PooledMemory memory = PooledMemory.allocate(pool, 64);
        Memory view = (Memory) memory.share(8, 32);
        Memory aligned = memory.align(32);
        memory.close();

        for (Memory m : new Memory[] {view, aligned}) {
            assertFalse(m.valid());
            everyAccess(m).forEach((name, access) -> assertThrows(IllegalStateException.class, access, name));
        }
    }

    @Test
    void closingAViewInvalidatesTheViewOnlyAndKeepsTheBlock() {
        try (PooledMemory memory = PooledMemory.allocate(pool, 64)) {
            Memory view = (Memory) memory.share(8);
            view.close();

            assertThrows(IllegalStateException.class, () -> view.getInt(0));
            assertTrue(memory.valid());
            memory.setInt(8, 5);
            assertEquals(5, memory.getInt(8));
            assertEquals(1, pool.stats().blocksInUse());
        }
    }

    @Test
    void buffersAndSegmentsHandedOutBeforeCloseThrowAfterIt() {
        PooledMemory memory = PooledMemory.allocate(pool, 64);
        ByteBuffer buffer = memory.getByteBuffer(8, 16);
        MemorySegment segment = memory.asSegment();
        ByteBuffer viewBuffer = memory.share(32).getByteBuffer(0, 8);
        buffer.putInt(0, 7);
        assertEquals(7, memory.getInt(8), "the buffer is over the block, in native order");
        assertEquals(64, segment.byteSize());
        assertEquals(7, segment.get(ValueLayout.JAVA_INT_UNALIGNED, 8));

        memory.close();

        assertThrows(IllegalStateException.class, () -> buffer.getInt(0));
        assertThrows(IllegalStateException.class, () -> buffer.putInt(0, 1));
        assertThrows(IllegalStateException.class, () -> viewBuffer.get(0));
        assertThrows(IllegalStateException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 0));
        assertEquals(0, pool.stats().blocksInUse());
    }

    @Test
    void theSegmentViewIsBoundedByTheMemoryAndSharesItsBytes() {
        try (PooledMemory memory = PooledMemory.allocate(pool, 24)) {
            MemorySegment segment = memory.asSegment();
            segment.set(ValueLayout.JAVA_LONG_UNALIGNED, 16, 99L);

            assertEquals(99L, memory.getLong(16));
            assertEquals(Pointer.nativeValue(memory), segment.address());
            assertThrows(IndexOutOfBoundsException.class, () -> segment.get(ValueLayout.JAVA_BYTE, 24));
            assertSame(segment.scope(), memory.asSegment().scope(), "one arena per memory");
            assertEquals(segment.scope(), PooledJna.segmentOf(memory.share(4)).scope());
        }
    }

    @Test
    void newMemoryServesFromThePoolAndFallsBackToJnaMemoryWhenThePoolCannot() {
        Memory pooled = PooledMemory.newMemory(48);
        assertInstanceOf(PooledMemory.class, pooled);
        pooled.close();

        try (OffPool full = OffPool.builder().maxReservedBytes(1).build()) {
            Memory fallback = PooledMemory.newMemory(full, 48);
            assertFalse(fallback instanceof PooledMemory);
            assertEquals(48, fallback.size());
            fallback.close();
        }
        assertThrows(IllegalArgumentException.class, () -> PooledMemory.newMemory(0), "JNA's own check");
    }

    @Test
    void unreachableMemoryReturnsItsBlockThroughTheCleaner() throws InterruptedException {
        allocateAndDrop(pool, 64);
        assertEquals(1, pool.stats().blocksInUse());

        awaitBlocksInUse(pool, 0);
    }

    @Test
    void aBufferOrViewKeepsItsMemoryReachableUntilItIsDropped() throws InterruptedException {
        ByteBuffer buffer = PooledMemory.allocate(pool, 64).getByteBuffer(0, 64);
        Pointer view = PooledMemory.allocate(pool, 64).share(8);
        MemorySegment segment = PooledMemory.allocate(pool, 64).asSegment();
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(3, pool.stats().blocksInUse());
        buffer.putLong(0, 1);
        view.setLong(0, 2);
        segment.set(ValueLayout.JAVA_LONG, 0, 3);

        buffer = null;
        view = null;
        segment = null;
        awaitBlocksInUse(pool, 0);
    }

    /** A C struct {@code {int id; double weight; char name[12];}} laid over pooled memory by JNA. */
    @Structure.FieldOrder({"id", "weight", "name"})
    public static final class Item extends Structure {
        public int id;
        public double weight;
        public byte[] name = new byte[12];

        public Item(Pointer memory) {
            super(memory);
        }
    }

    @Test
    void aJnaStructureReadsAndWritesThroughPooledMemoryAndFailsOnceItIsClosed() {
        PooledMemory memory = PooledMemory.allocate(pool, 64);
        Item item = new Item(memory);
        item.id = 7;
        item.weight = 1.25;
        System.arraycopy("bolt".getBytes(StandardCharsets.US_ASCII), 0, item.name, 0, 4);
        item.write();

        assertEquals(7, memory.getInt(0));
        assertEquals(1.25, memory.getDouble(8));
        assertEquals("bolt", memory.getString(16));
        memory.setInt(0, 8);
        item.read();
        assertEquals(8, item.id);

        memory.close();
        assertThrows(IllegalStateException.class, item::read);
        assertThrows(IllegalStateException.class, item::write);
    }

    /**
     * An FFM downcall holds the segment view's arena for its duration: close() from inside it (here, from qsort's
     * comparator upcall) cannot close that arena, so it throws and leaves the memory open and usable.
     */
    @Test
    void closeWhileAnFfmDowncallHoldsTheSegmentViewThrowsAndChangesNothing() throws Throwable {
        PooledMemory memory = PooledMemory.allocate(pool, 4 * 4);
        memory.write(0, new int[] {4, 3, 2, 1}, 0, 4);
        Linker linker = Linker.nativeLinker();
        MethodHandle qsort = linker.downcallHandle(linker.defaultLookup().find("qsort").orElseThrow(),
                FunctionDescriptor.ofVoid(ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                        ValueLayout.ADDRESS));
        List<Throwable> closeFailures = new ArrayList<>();
        MethodHandle compare = MethodHandles.lookup().findStatic(PooledMemoryTest.class, "compareInts",
                MethodType.methodType(int.class, MemorySegment.class, MemorySegment.class));
        Runnable tryClose = () -> {
            try {
                memory.close();
            } catch (IllegalStateException e) {
                closeFailures.add(e);
            }
        };
        MethodHandle comparing = MethodHandles.foldArguments(compare,
                MethodHandles.dropArguments(MethodHandles.lookup().findVirtual(Runnable.class, "run",
                        MethodType.methodType(void.class)).bindTo(tryClose), 0, MemorySegment.class,
                        MemorySegment.class));
        try (Arena upcalls = Arena.ofConfined()) {
            MemorySegment comparator = linker.upcallStub(comparing, FunctionDescriptor.of(ValueLayout.JAVA_INT,
                    ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_INT),
                    ValueLayout.ADDRESS.withTargetLayout(ValueLayout.JAVA_INT)), upcalls);
            qsort.invokeExact(memory.asSegment(), 4L, 4L, comparator);
        }

        assertTrue(!closeFailures.isEmpty(), "close was tried during the downcall");
        assertTrue(closeFailures.get(0).getMessage().contains("held by a native call in progress"),
                closeFailures.get(0).getMessage());
        assertTrue(memory.valid());
        assertArrayEquals(new int[] {1, 2, 3, 4}, memory.getIntArray(0, 4));
        memory.close();
        assertEquals(0, pool.stats().blocksInUse());
    }

    private static int compareInts(MemorySegment a, MemorySegment b) {
        return Integer.compare(a.get(ValueLayout.JAVA_INT, 0), b.get(ValueLayout.JAVA_INT, 0));
    }

    private static void allocateAndDrop(OffPool pool, long size) {
        PooledMemory.allocate(pool, size).setInt(0, 1);
    }

    /** Runs GC until the pool's blocks in use fall to {@code expected}; fails after 10 s. */
    static void awaitBlocksInUse(OffPool pool, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pool.stats().blocksInUse() != expected) {
            if (System.nanoTime() > deadline) {
                assertEquals(expected, pool.stats().blocksInUse(), "blocks in use after GC");
            }
            System.gc();
            Thread.sleep(10);
        }
    }

    @Test
    void describesItselfWithAddressSizeAndState() {
        PooledMemory memory = PooledMemory.allocate(pool, 32);
        String open = memory.toString();
        memory.close();

        assertTrue(open.startsWith("pooled@0x") && open.endsWith("(32 bytes)"), open);
        assertTrue(memory.toString().endsWith("(32 bytes, closed)"), memory.toString());
    }
}
