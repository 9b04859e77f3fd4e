package dev.offpool.nativebridge;

import com.sun.jna.InvocationMapper;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import dev.offpool.OffPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.reflect.InvocationHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native calls made through {@link PooledJna}'s library options, and the memory's own accessors, hold pooled memory
 * until they return.
 */
class NativeCallLeaseTest {
    /** Race iterations; each closes a memory while another thread writes to it in a loop. */
    private static final int RACE_ROUNDS = Integer.getInteger("offpool.jna.raceRounds", 1_000);

    private final OffPool pool = OffPool.builder().build();

    @AfterEach
    void closePool() {
        pool.close();
    }

    @Test
    void aClosedMemoryArgumentIsRejectedBeforeAnyNativeCodeRuns() {
        PooledMemory memory = PooledMemory.allocate(pool, 64);
        Pointer view = memory.share(8);
        memory.close();

        IllegalStateException direct = assertThrows(IllegalStateException.class,
                () -> LibC.LEASED.memset(memory, 1, 64));
        assertTrue(direct.getMessage().startsWith("argument 0 of memset: the 64-byte pooled memory at 0x"),
                direct.getMessage());
        assertThrows(IllegalStateException.class, () -> LibC.LEASED.strlen(view));
        assertThrows(IllegalStateException.class, () -> LibC.LEASED.snprintf(
                PooledMemory.allocate(pool, 16), 16, "%p", memory), "a vararg is held too");
        Arena arena = Arena.ofConfined();
        Pointer segmentView = PooledJna.pointerTo(arena.allocate(16));
        arena.close();
        assertThrows(IllegalStateException.class, () -> LibC.LEASED.strlen(segmentView));
    }

    @Test
    void aCloseDuringANativeCallReturnsTheBlockOnlyAfterTheCallReturns() throws Exception {
        PooledMemory memory = PooledMemory.allocate(pool, 64 * 4);
        for (int i = 0; i < 64; i++) {
            memory.setInt(i * 4L, 64 - i);
        }
        CountDownLatch insideCall = new CountDownLatch(1);
        CountDownLatch closed = new CountDownLatch(1);
        ExecutorService caller = Executors.newSingleThreadExecutor();
        try {
            Future<?> call = caller.submit(() -> LibC.LEASED.qsort(memory, 64, 4, (a, b) -> {
                insideCall.countDown();
                await(closed);
                return Integer.compare(a.getInt(0), b.getInt(0));
            }));
            assertTrue(insideCall.await(10, TimeUnit.SECONDS));

            memory.close();
            assertFalse(memory.valid(), "closed at once for everyone else");
            assertThrows(IllegalStateException.class, () -> memory.getInt(0));
            assertThrows(IllegalStateException.class, () -> LibC.LEASED.strlen(memory));
            assertEquals(1, pool.stats().blocksInUse(), "the block stays out while qsort runs");

            closed.countDown();
            call.get(10, TimeUnit.SECONDS);
            assertEquals(0, pool.stats().blocksInUse(), "the call's end returned the block");
            assertEquals(0, Pointer.nativeValue(memory));
        } finally {
            closed.countDown();
            caller.shutdownNow();
        }
    }

    /** How the racing thread writes 0x5A over the whole memory: a leased native call, or the memory's own setter. */
    enum Writer {
        NATIVE_MEMSET {
            @Override
            void fill(PooledMemory memory) {
                LibC.LEASED.memset(memory, 0x5A, memory.size());
            }
        },
        JAVA_SET_MEMORY {
            @Override
            void fill(PooledMemory memory) {
                memory.setMemory(0, memory.size(), (byte) 0x5A);
            }
        };

        abstract void fill(PooledMemory memory);
    }

    /**
     * Another thread fills the memory in a loop while this one closes it and takes (and clears) the next blocks of the
     * same size; after the writer stops, those blocks must still hold only zeros, and the writer must have stopped with the
     * closed memory's exception.
     */
    @ParameterizedTest
    @EnumSource(Writer.class)
    void closeRacingWritesFromAnotherThreadNeverReachesTheBlocksNextOwner(Writer writer) throws Exception {
        ExecutorService writing = Executors.newSingleThreadExecutor();
        try {
            for (int round = 0; round < RACE_ROUNDS; round++) {
                PooledMemory memory = PooledMemory.allocate(pool, 256);
                AtomicInteger fills = new AtomicInteger();
                Future<Throwable> loop = writing.submit(() -> {
                    try {
                        for (;;) {
                            writer.fill(memory);
                            fills.incrementAndGet();
                        }
                    } catch (Throwable stopped) {
                        return stopped;
                    }
                });
                while (fills.get() < (round & 7) && !loop.isDone()) {
                    Thread.onSpinWait();
                }
                memory.close();
                List<PooledMemory> nextOwners = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    PooledMemory owner = PooledMemory.allocate(pool, 256);
                    owner.clear(); // pooled memory is not cleared, as JNA's is not: start each owner from zeros
                    nextOwners.add(owner);
                }

                Throwable stopped = loop.get(10, TimeUnit.SECONDS);
                assertTrue(stopped instanceof IllegalStateException, "round " + round + ": " + stopped);
                for (PooledMemory owner : nextOwners) {
                    assertEquals(-1, owner.indexOf(0, (byte) 0x5A), "round " + round + ": " + owner
                            + " was written through the closed " + memory);
                    owner.close();
                }
            }
            assertEquals(0, pool.stats().blocksInUse());
            pool.verify();
        } finally {
            writing.shutdownNow();
        }
    }

    @Test
    void anInvocationMapperAlreadyInTheOptionsStillHandlesItsCallsWhichAreHeldToo() {
        List<Object> seen = new ArrayList<>();
        InvocationMapper answersStrlen = (library, method) -> method.getName().equals("strlen")
                ? (InvocationHandler) (proxy, m, args) -> {
                    seen.add(args[0]);
                    return 42L;
                }
                : null;
        LibC libc = Native.load("c", LibC.class,
                PooledJna.libraryOptions(Map.of(Library.OPTION_INVOCATION_MAPPER, answersStrlen)));
        PooledMemory memory = PooledMemory.allocate(pool, 16);

        assertEquals(42L, libc.strlen(memory));
        assertEquals(List.of(memory), seen);
        libc.memset(memory, 7, 16);
        assertEquals(7, memory.getByte(15), "methods the mapper leaves alone are JNA's own calls");

        memory.close();
        assertThrows(IllegalStateException.class, () -> libc.strlen(memory));
        assertEquals(1, seen.size(), "the mapper's handler was not called with a closed memory");
    }

    /** libm, unlike libc, is opened by its file: the leased calls must reach that same file. */
    interface LibM extends Library {
        /** {@code double frexp(double x, int *exp)} */
        double frexp(double x, Pointer exponent);
    }

    @Test
    void aLibraryOpenedFromItsFileIsCalledThroughThatFile() {
        assertNotNull(NativeLibrary.getInstance("m").getFile(), "libm is opened from a file");
        LibM libm = PooledJna.load("m", LibM.class);
        try (PooledMemory exponent = PooledMemory.allocate(pool, 4)) {
            assertEquals(0.75, libm.frexp(12.0, exponent));
            assertEquals(4, exponent.getInt(0));

            exponent.close();
            assertThrows(IllegalStateException.class, () -> libm.frexp(1.0, exponent));
        }
    }

    @Test
    void onlyMethodsThatCanTakeAPointerAreWrapped() throws NoSuchMethodException {
        assertTrue(LeasingInvocationMapper.mayCarryMemory(LibC.class.getMethod("memset", Pointer.class, int.class,
                long.class)));
        assertTrue(LeasingInvocationMapper.mayCarryMemory(LibC.class.getMethod("snprintf", Pointer.class,
                long.class, String.class, Object[].class)));
        assertFalse(LeasingInvocationMapper.mayCarryMemory(LibC.class.getMethod("abs", int.class)));
        assertEquals(5, LibC.LEASED.abs(-5));
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test timed out waiting for close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
