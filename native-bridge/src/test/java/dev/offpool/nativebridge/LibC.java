package dev.offpool.nativebridge;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;

/** The libc functions the tests call through JNA, loaded with and without offpool's library options. */
interface LibC extends Library {
    /** Calls hold every offpool memory argument until they return. */
    LibC LEASED = PooledJna.load("c", LibC.class);
    /** Plain JNA: no lease. */
    LibC PLAIN = Native.load("c", LibC.class);

    Pointer memset(Pointer s, int c, long n);

    long strlen(Pointer s);

    void qsort(Pointer base, long count, long size, Comparator compare);

    int snprintf(Pointer buffer, long size, String format, Object... args);

    int abs(int value);

    /** {@code int (*)(const void *, const void *)} */
    interface Comparator extends Callback {
        int invoke(Pointer a, Pointer b);
    }
}
