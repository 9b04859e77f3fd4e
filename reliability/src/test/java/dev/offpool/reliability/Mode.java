package dev.offpool.reliability;

import dev.offpool.OffPool;

/** The allocator's modes the suites run in: each changes what a free and an allocation do to a block's bytes. */
enum Mode {
    /** Blocks are zeroed as they are handed out. */
    DEFAULT,
    /** Blocks are also cleared as they are freed, and handed on as known to be zero. */
    SCRUB_ON_FREE,
    /** Guards, fill patterns, quarantine, and segments that die with their free. */
    CHECKED;

    /** {@return {@code builder} set to this mode} */
    OffPool.Builder apply(OffPool.Builder builder) {
        return builder.scrubOnFree(this == SCRUB_ON_FREE).checked(this == CHECKED);
    }
}
