package dev.offpool.agent.redirect;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;

/**
 * One redirected buffer's block: its address, size and call site, and a phantom reference to the root buffer that
 * is enqueued once the root buffer and every view of it are unreachable.
 *
 * <p>Why the root buffer is the referent: in JDK 25 a buffer made by {@code MemorySegment.asByteBuffer()} has no
 * attachment, so every slice, duplicate, read-only and typed view made from it (or from another view) attaches
 * <em>the root buffer</em> ({@code DirectByteBuffer}: {@code att = attachment == null ? db : attachment}), and the
 * root holds the segment. The root is therefore reachable exactly as long as the segment or any view is, and it is
 * the one object whose identity tells the buffer {@code allocateDirect} returned from its duplicates:
 * {@link #refersTo} on the root is how an explicit free knows it was handed the root, without any JDK-internal API
 * and without a second reference object per buffer. The forked-JVM test
 * {@code RedirectedBufferIT.blocksComeBackWhenBuffersDieAndLiveViewsKeepTheirBlocks} checks the keep-alive on a real
 * GC.
 *
 * <p>Referents of phantom references are cleared before they are enqueued, so a record taken from the queue never
 * keeps memory alive; a record freed explicitly is {@linkplain #clear() cleared} so it is never enqueued at all.
 */
final class BlockRecord extends PhantomReference<ByteBuffer> {
    final long address;
    final int capacity;
    final int site;
    /** The next record in the redirector's stack of dead records; written before the push that publishes it. */
    BlockRecord nextDead;

    BlockRecord(ByteBuffer root, ReferenceQueue<? super ByteBuffer> queue, long address, int capacity, int site) {
        super(root, queue);
        this.address = address;
        this.capacity = capacity;
        this.site = site;
    }
}
