package com.example.bufferapps;

import com.example.bufferapps.excluded.ExcludedAllocator;
import dev.offpool.agent.Redirects;

import java.nio.ByteBuffer;

import static com.example.bufferapps.Checks.check;
import static com.example.bufferapps.Checks.throwsIt;

/** Run with exclude=com.example.bufferapps.excluded.*,minBytes=16,maxBytes=8k. */
public final class SelectionApp {
    private SelectionApp() {
    }

    public static void main(String[] args) {
        check("selectedClassInRangeIsRedirected", Redirects.isRedirected(ByteBuffer.allocateDirect(64)));
        ByteBuffer excluded = ExcludedAllocator.allocate(64);
        check("excludedClassIsNotRedirected", excluded.isDirect() && !Redirects.isRedirected(excluded));
        ByteBuffer small = ByteBuffer.allocateDirect(8);
        check("belowMinBytesIsNotRedirected", small.isDirect() && small.capacity() == 8
                && !Redirects.isRedirected(small));
        ByteBuffer large = ByteBuffer.allocateDirect(8193);
        check("aboveMaxBytesIsNotRedirected", large.isDirect() && large.capacity() == 8193
                && !Redirects.isRedirected(large));
        check("maxBytesItselfIsRedirected", Redirects.isRedirected(ByteBuffer.allocateDirect(8192)));
        ByteBuffer empty = ByteBuffer.allocateDirect(0);
        check("zeroCapacityIsTheJdks", empty.isDirect() && empty.capacity() == 0 && !Redirects.isRedirected(empty));
        throwsIt("negativeCapacityThrowsAsTheJdkDoes", IllegalArgumentException.class,
                () -> ByteBuffer.allocateDirect(-1));
        check("outsideRangeIsCounted", Redirects.stats().outsideSizeRange() == 4, Redirects.stats());
        check("redirectedIsCounted", Redirects.stats().redirected() == 2, Redirects.stats());
        Checks.finish();
    }
}
