package dev.offpool.benchmarks.workload.peers;

/**
 * How the blocks of one {@link Blocks} die, declared when it is made, so that a peer whose memory is tied to a
 * lifetime (a JDK {@link java.lang.foreign.Arena}) can choose what fits; every other peer ignores it.
 */
public enum Lifetime {
    /** Freed all together by the allocating thread, through {@link Blocks#freeAll()}: a request's buffers. */
    REQUEST,
    /** Freed one by one, by the allocating thread: a session or a pinned block that never changes threads. */
    OWN_THREAD,
    /** Freed one by one, possibly on another thread after {@link Blocks#moveTo}: a response an I/O thread frees. */
    ANY_THREAD
}
