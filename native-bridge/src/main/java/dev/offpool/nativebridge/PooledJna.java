package dev.offpool.nativebridge;

import com.sun.jna.InvocationMapper;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * JNA interop for offpool memory: library options that protect {@link PooledMemory} during native calls, and views
 * between JNA pointers and FFM segments.
 *
 * {@snippet :
 * interface LibC extends Library {
 *     LibC INSTANCE = PooledJna.load("c", LibC.class);
 *     long strlen(Pointer s);
 * }
 *
 * try (PooledMemory text = PooledMemory.allocate(32)) {
 *     text.setString(0, "pooled");
 *     long length = LibC.INSTANCE.strlen(text);          // 6
 *     MemorySegment same = text.asSegment();              // FFM view, dies with close()
 * }
 *
 * try (Arena arena = OffPool.global().newConfinedArena()) {
 *     MemorySegment segment = arena.allocateFrom("from FFM");
 *     long length = LibC.INSTANCE.strlen(PooledJna.pointerTo(segment));   // 8
 * }
 * }
 *
 * <h2>What the library options protect</h2>
 * A library loaded with {@link #libraryOptions()} (or through {@link #load}) holds every {@link PooledMemory} and
 * every view of one among a call's arguments, directly or as an element of an array argument ({@code Pointer[]},
 * varargs), from before the native function is entered until it returns:
 * <ul>
 *   <li>a memory closed before the call makes the call throw {@link IllegalStateException} naming the argument, and
 *       no native code runs;</li>
 *   <li>a {@code close()} on another thread during the call returns at once (later accesses throw), but the block goes
 *       back to the pool only when the call has returned, so native code never writes into a block with a new
 *       owner.</li>
 * </ul>
 * For a {@link #pointerTo(MemorySegment) segment view}, the call checks that the segment's scope is alive before it
 * starts; nothing holds a JDK arena open during a JNA call, so closing that arena during the call is not protected.
 *
 * <h2>What is not protected</h2>
 * JNA reads a pointer argument's address itself, with no hook, in these cases; the memory's own accessors still check
 * everything, but the native code is handed the address without a lease:
 * <ul>
 *   <li>libraries loaded without these options, and direct mapping ({@code Native.register});</li>
 *   <li>{@code Function.invoke} called by hand;</li>
 *   <li>memory reached through a {@code Structure} field, a {@code Structure} built on the memory, a callback's return
 *       value, or a pointer stored in other native memory.</li>
 * </ul>
 * There, a closed {@code PooledMemory} passes address 0, as JNA's own {@code Memory} does after {@code close()} (a
 * crash unless {@code jna.protected} is set), and a view of a closed memory passes its stale address, as JNA's own
 * {@code share} views do. Close such memory only after the calls that use it have returned.
 */
public final class PooledJna {
    private PooledJna() {
    }

    /**
     * {@return fresh, modifiable library options that hold offpool memory arguments for the duration of each call}
     * Pass them to {@code Native.load(name, interfaceClass, options)}.
     */
    public static Map<String, Object> libraryOptions() {
        return libraryOptions(Map.of());
    }

    /**
     * {@return a copy of {@code options} that also holds offpool memory arguments for the duration of each call}
     * An {@link InvocationMapper} already in {@code options} keeps working: the calls its handlers make are held the
     * same way.
     *
     * @param options JNA library options ({@code Library.OPTION_*} keys)
     * @throws NullPointerException if {@code options} is null
     * @throws ClassCastException   if the invocation-mapper option is not an {@link InvocationMapper}
     */
    public static Map<String, Object> libraryOptions(Map<String, ?> options) {
        Map<String, Object> result = new HashMap<>(Objects.requireNonNull(options, "options"));
        InvocationMapper inner = (InvocationMapper) result.get(Library.OPTION_INVOCATION_MAPPER);
        result.put(Library.OPTION_INVOCATION_MAPPER, new LeasingInvocationMapper(inner));
        return result;
    }

    /**
     * Loads a library with {@link #libraryOptions()}: {@code Native.load(name, interfaceClass, libraryOptions())}.
     *
     * @param name           the library name or path, as for {@code Native.load}
     * @param interfaceClass the library's interface
     * @param <T>            its type
     * @return the library
     * @throws UnsatisfiedLinkError if the library cannot be found or loaded
     */
    public static <T extends Library> T load(String name, Class<T> interfaceClass) {
        return Native.load(name, interfaceClass, libraryOptions());
    }

    /**
     * {@return a JNA {@code Memory} over the bytes of a native segment}, for passing FFM memory (from
     * {@code OffPool.allocate}, a pooled {@code Arena}, any arena) to code that takes a JNA {@code Pointer}. The view
     * is bounded by the segment's size; its accessors go through the segment, so they throw
     * {@link IllegalStateException} once the segment's scope is closed and {@link WrongThreadException} on a thread
     * that may not access it. It keeps the segment reachable. {@code close()} on it invalidates the view only.
     *
     * @param segment a native segment
     * @throws NullPointerException     if {@code segment} is null
     * @throws IllegalArgumentException if {@code segment} is a heap segment, or the NULL address
     * @throws IllegalStateException    if the segment's scope is already closed
     */
    public static Memory pointerTo(MemorySegment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException("a heap segment has no native address to point at: " + segment);
        }
        if (segment.address() == 0) {
            throw new IllegalArgumentException("the segment is at address 0 (NULL): " + segment);
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException("the segment's scope is closed: " + segment);
        }
        return new SegmentMemory(segment);
    }

    /**
     * {@return a segment over the memory of a pointer offpool made} For a {@link PooledMemory} or a view of one: a
     * segment of its size, bound to the scope that closes with the pooled memory (see
     * {@link PooledMemory#asSegment()}). For a {@link #pointerTo(MemorySegment) segment view}: the segment it views.
     *
     * @param pointer a {@code PooledMemory}, a view of one, or a segment view
     * @throws NullPointerException     if {@code pointer} is null
     * @throws IllegalArgumentException if {@code pointer} is any other {@code Pointer}: its bounds and lifetime are
     *                                  unknown (wrap raw addresses with {@code MemorySegment.ofAddress} yourself)
     * @throws IllegalStateException    if the memory is closed
     */
    public static MemorySegment segmentOf(Pointer pointer) {
        Objects.requireNonNull(pointer, "pointer");
        if (!(pointer instanceof CheckedMemory memory)) {
            throw new IllegalArgumentException("not memory from offpool, so its size and lifetime are unknown: "
                    + pointer);
        }
        if (!memory.isOpen()) {
            throw memory.closedException();
        }
        return memory.scopedSegment();
    }
}
