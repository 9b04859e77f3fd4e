package dev.offpool.internal.checked;

import dev.offpool.HeapCorruptionException;
import dev.offpool.InvalidFreeException;
import dev.offpool.internal.Requests;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Checked mode: what {@code PYTHONMALLOC=debug} does for CPython, plus use-after-free caught at the access.
 *
 * <pre>
 * a checked block (inside an ordinary block of the tier that fits it)
 *  +---------+-------------+--------------------------------+----------------+
 *  | size    | 0xFD ...    | the caller's bytes             | 0xFD x 16      |
 *  | 8 bytes | header rest | zeroed, or 0xCD if not promised| tail guard     |
 *  +---------+-------------+--------------------------------+----------------+
 *  ^ block   ^             ^ the address or segment handed out (header = max(16, alignment) bytes)
 *
 *  freed: every byte 0xDD, the block quarantined (not reused) until quarantineBytes of later frees push it out
 * </pre>
 *
 * <ul>
 *   <li>Guards are checked on free, on reallocate and by {@code verify()}; a changed byte is reported as an overflow
 *   (tail) or underflow (header) with a dump in CPython's spirit: address, requested size, which guard bytes
 *   changed, the bytes around them, and the allocating stack when stack recording is on. The block is left as it
 *   was, so the caller can look at it.</li>
 *   <li>On the segment path each block's segment is bound to a shared scope of its own, which its free closes: a
 *   use after free throws {@link IllegalStateException} at the access itself. {@link #explain(long)} says where the
 *   block was allocated and freed.</li>
 *   <li>A quarantined block keeps its 0xDD fill; one found changed when it leaves quarantine was written after its
 *   free through a raw address or a stale raw-path pointer: reported (logged, and by the next {@code verify()}).</li>
 *   <li>A double free is told apart from a foreign address while the block is in quarantine, with where it was
 *   freed.</li>
 * </ul>
 *
 * <p>Costs, by design: a map entry and (on the segment path) a shared arena per block, whose close at free is a
 * handshake with every thread; guard and fill writes of the whole block; frees that keep blocks out of use for a
 * while. Measured in {@code CheckedModeBenchmark} (docs/BENCHMARKS.md). Not for production hot paths.
 */
public final class CheckedHeap {
    /** Guard fill, as CPython's {@code PYMEM_FORBIDDENBYTE}. */
    public static final byte GUARD = (byte) 0xFD;
    /** Fill of fresh raw-path blocks where zeroing is not promised, as CPython's {@code PYMEM_CLEANBYTE}. */
    public static final byte FRESH = (byte) 0xCD;
    /** Fill of freed blocks, as CPython's {@code PYMEM_DEADBYTE}. */
    public static final byte FREED = (byte) 0xDD;
    /** Bytes of tail guard after every block. */
    public static final int TAIL_GUARD_BYTES = 16;
    private static final int SIZE_BYTES = 8;
    private static final int DUMP_BYTES = 16;

    /** One live checked block. */
    private record Live(long block, long user, long size, long headerBytes, Arena scope, Throwable allocatedAt,
                        String allocatingThread) {
        long blockBytes() {
            return headerBytes + size + TAIL_GUARD_BYTES;
        }
    }

    /** One quarantined block: freed, filled with 0xDD, not yet reusable. */
    private record Freed(Live block, Throwable freedAt, String freeingThread) {
    }

    private final UncheckedBlocks blocks;
    private final long quarantineBytes;
    private final boolean recordStacks;
    private final ConcurrentSkipListMap<Long, Live> live = new ConcurrentSkipListMap<>();
    /** Guarded by itself; also indexed by user address for double-free reports. */
    private final ArrayDeque<Freed> quarantine = new ArrayDeque<>();
    private final Map<Long, Freed> quarantined = new java.util.HashMap<>();
    private long quarantinedBytes;
    private final List<String> writesAfterFree = new ArrayList<>();

    /**
     * @param blocks          the unchecked allocator beneath
     * @param quarantineBytes how many bytes of freed blocks stay out of use
     * @param recordStacks    capture the allocating and freeing stack of every block
     */
    public CheckedHeap(UncheckedBlocks blocks, long quarantineBytes, boolean recordStacks) {
        this.blocks = blocks;
        this.quarantineBytes = quarantineBytes;
        this.recordStacks = recordStacks;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Allocate.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Allocates a checked block for the raw path.
     *
     * @param zero whether the caller was promised zeros (else the bytes read 0xCD)
     * @return the caller's address
     */
    public long allocateAddress(long byteSize, long byteAlignment, boolean zero) {
        return allocate(byteSize, byteAlignment, zero, null).user;
    }

    /** Allocates a checked, zeroed block as a segment bound to a scope that its free closes. */
    public MemorySegment allocate(long byteSize, long byteAlignment) {
        Arena scope = Arena.ofShared();
        Live b = allocate(byteSize, byteAlignment, true, scope);
        return MemorySegment.ofAddress(b.user).reinterpret(byteSize, scope, null);
    }

    private Live allocate(long byteSize, long byteAlignment, boolean zero, Arena scope) {
        long header = Math.max(16, byteAlignment);
        long total = header + byteSize + TAIL_GUARD_BYTES;
        if (total < byteSize) {
            throw new IllegalArgumentException("size " + byteSize + " leaves no room for checked mode's guards");
        }
        long block;
        try {
            block = blocks.allocate(total, Math.max(16, byteAlignment), false);
        } catch (RuntimeException | Error e) {
            if (scope != null) {
                scope.close();
            }
            throw e;
        }
        MemorySegment memory = blocks.memory(block, total);
        memory.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, byteSize);
        memory.asSlice(SIZE_BYTES, header - SIZE_BYTES).fill(GUARD);
        memory.asSlice(header, byteSize).fill(zero ? 0 : FRESH);
        memory.asSlice(header + byteSize, TAIL_GUARD_BYTES).fill(GUARD);
        Live b = new Live(block, block + header, byteSize, header, scope, recordStacks ? new Throwable(
                "allocated here") : null, Thread.currentThread().getName());
        live.put(b.user, b);
        return b;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Free and reallocate.
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Frees a checked block: the guards must be intact, the segment (if any) must be the one handed out, exactly.
     *
     * @param segment the segment given, or null on the raw path
     * @throws InvalidFreeException    for a foreign address, a slice, or a double free (with where it was freed)
     * @throws HeapCorruptionException if a guard was overwritten; the block is left live, as it was
     */
    public void free(long address, MemorySegment segment, String op) {
        Live b = live.get(address);
        if (b == null) {
            throw notLive(address, op);
        }
        if (segment != null) {
            MemorySegment.Scope global = MemorySegment.NULL.scope();
            boolean ownScope = b.scope != null && segment.scope().equals(b.scope.scope());
            if (segment.byteSize() != b.size || !(ownScope || segment.scope().equals(global))) {
                throw Requests.wrongSize(op, address, segment.byteSize(), "the checked block there was allocated "
                        + "for " + b.size + " bytes, with a segment of its own scope");
            }
        }
        if (!live.remove(address, b)) {
            throw notLive(address, op); // a racing free won
        }
        try {
            checkGuards(b, op);
        } catch (HeapCorruptionException e) {
            live.put(address, b); // left as it was, for the caller to look at
            throw e;
        }
        if (b.scope != null) {
            closeScope(b.scope);
        }
        blocks.memory(b.block, b.blockBytes()).fill(FREED);
        quarantine(new Freed(b, recordStacks ? new Throwable("freed here") : null,
                Thread.currentThread().getName()));
    }

    /** {@return a new checked segment of {@code newByteSize} holding the old contents} The old block is freed. */
    public MemorySegment reallocate(MemorySegment segment, long newByteSize) {
        Live b = live.get(segment.address());
        if (b == null) {
            throw notLive(segment.address(), "reallocate");
        }
        checkGuards(b, "reallocate");
        MemorySegment moved = allocate(newByteSize, 1);
        // Through the underlying block's start: the allocator finds a huge block by its base, not an inner address.
        MemorySegment.copy(blocks.memory(b.block, b.blockBytes()), b.headerBytes, moved, 0,
                Math.min(b.size, newByteSize));
        try {
            free(segment.address(), segment, "reallocate");
        } catch (RuntimeException e) {
            free(moved.address(), moved, "reallocate");
            throw e;
        }
        return moved;
    }

    private static void closeScope(Arena scope) {
        while (true) {
            try {
                scope.close();
                return;
            } catch (IllegalStateException acquired) {
                if (!scope.scope().isAlive()) {
                    return;
                }
                Thread.onSpinWait(); // a downcall holds the segment: it returns in microseconds
            }
        }
    }

    private InvalidFreeException notLive(long address, String op) {
        Freed freed;
        synchronized (quarantine) {
            freed = quarantined.get(address);
        }
        if (freed != null) {
            return new InvalidFreeException((op.equals("free") ? "double free" : op) + " of " + Requests.hex(address)
                    + ": the checked block of " + freed.block.size + " bytes was already freed by thread \""
                    + freed.freeingThread + "\"" + stack("freed", freed.freedAt) + stack("allocated",
                    freed.block.allocatedAt));
        }
        Map.Entry<Long, Live> below = live.floorEntry(address);
        if (below != null) {
            Live b = below.getValue();
            if (address >= b.block && address < b.user + b.size + TAIL_GUARD_BYTES) {
                return Requests.interior(op, address, b.user, b.size);
            }
        }
        Map.Entry<Long, Live> above = live.ceilingEntry(address);
        if (above != null && address >= above.getValue().block) {
            return Requests.interior(op, address, above.getKey(), above.getValue().size);
        }
        return Requests.foreign(op, address);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Quarantine.
    // ---------------------------------------------------------------------------------------------------------

    private void quarantine(Freed freed) {
        List<Freed> leaving = new ArrayList<>();
        synchronized (quarantine) {
            quarantine.addLast(freed);
            quarantined.put(freed.block.user, freed);
            quarantinedBytes += freed.block.blockBytes();
            while (quarantinedBytes > quarantineBytes && !quarantine.isEmpty()) {
                Freed oldest = quarantine.removeFirst();
                quarantined.remove(oldest.block.user, oldest);
                quarantinedBytes -= oldest.block.blockBytes();
                leaving.add(oldest);
            }
        }
        for (Freed f : leaving) {
            release(f);
        }
    }

    private void release(Freed f) {
        MemorySegment memory = blocks.memory(f.block.block, f.block.blockBytes());
        long changed = memory.mismatch(deadFill(f.block.blockBytes()));
        if (changed >= 0) {
            String report = "write after free: byte " + changed + " of the freed checked block at "
                    + Requests.hex(f.block.user) + " (" + f.block.size + " bytes) changed from 0xDD while it was "
                    + "in quarantine" + dump(memory, changed) + stack("freed", f.freedAt)
                    + stack("allocated", f.block.allocatedAt);
            synchronized (writesAfterFree) {
                writesAfterFree.add(report);
            }
            System.getLogger(CheckedHeap.class.getName()).log(System.Logger.Level.ERROR, "offpool: " + report);
        }
        blocks.free(f.block.block);
    }

    private static MemorySegment deadFill(long bytes) {
        byte[] dead = new byte[(int) Math.min(bytes, Integer.MAX_VALUE - 8)];
        java.util.Arrays.fill(dead, FREED);
        return MemorySegment.ofArray(dead);
    }

    /** Frees every quarantined block now (checking its fill). */
    public void drainQuarantine() {
        List<Freed> all;
        synchronized (quarantine) {
            all = new ArrayList<>(quarantine);
            quarantine.clear();
            quarantined.clear();
            quarantinedBytes = 0;
        }
        all.forEach(this::release);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Checks and reports.
    // ---------------------------------------------------------------------------------------------------------

    private void checkGuards(Live b, String op) {
        MemorySegment memory = blocks.memory(b.block, b.blockBytes());
        StringBuilder problems = new StringBuilder();
        long storedSize = memory.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        if (storedSize != b.size) {
            problems.append("\n    header size word reads ").append(storedSize).append(" (expected ").append(b.size)
                    .append("): buffer underflow").append(dump(memory, 0));
        }
        guard(memory, SIZE_BYTES, b.headerBytes - SIZE_BYTES, "header guard (before the block): buffer underflow",
                problems);
        guard(memory, b.headerBytes + b.size, TAIL_GUARD_BYTES, "tail guard (after the block): buffer overflow",
                problems);
        if (!problems.isEmpty()) {
            throw new HeapCorruptionException("offpool checked mode: " + op + " of " + Requests.hex(b.user)
                    + " found its guards overwritten\n    requested size: " + b.size + " bytes, block at "
                    + Requests.hex(b.block) + ", allocated by thread \"" + b.allocatingThread + "\"" + problems
                    + stack("allocated", b.allocatedAt));
        }
    }

    private static void guard(MemorySegment memory, long offset, long length, String what, StringBuilder out) {
        List<Long> changed = new ArrayList<>();
        for (long i = 0; i < length; i++) {
            if (memory.get(ValueLayout.JAVA_BYTE, offset + i) != GUARD) {
                changed.add(i);
            }
        }
        if (!changed.isEmpty()) {
            out.append("\n    ").append(what).append(": ").append(changed.size()).append(" of ").append(length)
                    .append(" bytes not 0xFD, at offsets ").append(changed).append(dump(memory, offset));
        }
    }

    private static String dump(MemorySegment memory, long around) {
        long from = Math.max(0, around - DUMP_BYTES);
        long to = Math.min(memory.byteSize(), around + 2L * DUMP_BYTES);
        byte[] bytes = memory.asSlice(from, to - from).toArray(ValueLayout.JAVA_BYTE);
        return "\n    bytes " + Requests.hex(memory.address() + from) + ": " + HexFormat.ofDelimiter(" ").withUpperCase()
                .formatHex(bytes);
    }

    private static String stack(String what, Throwable at) {
        if (at == null) {
            return "";
        }
        StringWriter out = new StringWriter();
        at.printStackTrace(new PrintWriter(out));
        return "\n    " + what + " at:\n" + out.toString().lines().skip(1).map(l -> "      " + l.strip())
                .reduce((a, b) -> a + "\n" + b).orElse("");
    }

    /**
     * Checks every live block's guards and every quarantined block's fill.
     *
     * @throws HeapCorruptionException naming the first broken guard, or the writes after free found so far
     */
    public void verify() {
        for (Live b : live.values()) {
            checkGuards(b, "verify");
        }
        List<Freed> all;
        synchronized (quarantine) {
            all = new ArrayList<>(quarantine);
        }
        for (Freed f : all) {
            MemorySegment memory = blocks.memory(f.block.block, f.block.blockBytes());
            long changed = memory.mismatch(deadFill(f.block.blockBytes()));
            if (changed >= 0) {
                throw new HeapCorruptionException("offpool checked mode: write after free: byte " + changed
                        + " of the freed checked block at " + Requests.hex(f.block.user) + " changed from 0xDD"
                        + dump(memory, changed) + stack("freed", f.freedAt) + stack("allocated",
                        f.block.allocatedAt));
            }
        }
        synchronized (writesAfterFree) {
            if (!writesAfterFree.isEmpty()) {
                throw new HeapCorruptionException("offpool checked mode: " + writesAfterFree.size()
                        + " write(s) after free found as blocks left quarantine; the first:\n" + writesAfterFree
                        .getFirst());
            }
        }
    }

    /** {@return what checked mode knows of the block at (or around) {@code address}: live or freed, where, by whom} */
    public String explain(long address) {
        Live b = live.get(address);
        if (b != null) {
            return "live checked block of " + b.size + " bytes at " + Requests.hex(address) + ", allocated by thread \""
                    + b.allocatingThread + "\"" + stack("allocated", b.allocatedAt);
        }
        Freed f;
        synchronized (quarantine) {
            f = quarantined.get(address);
        }
        if (f != null) {
            return "freed checked block of " + f.block.size + " bytes at " + Requests.hex(address)
                    + " (in quarantine), freed by thread \"" + f.freeingThread + "\"" + stack("freed", f.freedAt)
                    + ", allocated by thread \"" + f.block.allocatingThread + "\"" + stack("allocated",
                    f.block.allocatedAt);
        }
        return notLive(address, "explain").getMessage();
    }

    /** Closes every live block's scope (the allocator is closing and its memory goes). */
    public void close() {
        for (Live b : live.values()) {
            if (b.scope != null) {
                closeScope(b.scope);
            }
        }
        live.clear();
        synchronized (quarantine) {
            quarantine.clear();
            quarantined.clear();
            quarantinedBytes = 0;
        }
    }

    /** {@return live checked blocks} */
    public int liveBlocks() {
        return live.size();
    }
}
