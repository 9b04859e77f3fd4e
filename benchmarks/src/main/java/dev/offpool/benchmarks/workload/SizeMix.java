package dev.offpool.benchmarks.workload;

import java.util.SplittableRandom;

/**
 * The sizes a server's buffers come in, from published measurements and protocol limits. Three kinds:
 *
 * <ul>
 * <li><b>Small: headers, metadata, cache values, 64 B to 1 KiB mostly.</b> The value sizes of Facebook's
 *   general-purpose memcached pool (ETC), as modelled by Atikoglu, Xu, Frachtenberg, Jiang and Paleczny,
 *   "Workload Analysis of a Large-Scale Key-Value Store", SIGMETRICS 2012, section 5: a generalized Pareto
 *   distribution with location 0, scale {@value #SMALL_SCALE} and shape {@value #SMALL_SHAPE}. It gives a median of
 *   about 170 B, 90% below about 760 B, 99% below about 2.4 KiB, and a thin tail beyond. We clamp it to
 *   {@value #SMALL_MIN_BYTES} B (the paper's values under 64 B, a quarter of them, are raised to it: a header or
 *   cache entry carries at least its key and framing) and {@value #SMALL_MAX_BYTES} B. It fits: these are measured
 *   sizes of the objects a server keeps in a cache, and they agree with the request header sizes the SPDY white paper
 *   reports ("from ~200 bytes to over 2KB", "700-800 bytes is common").</li>
 * <li><b>I/O buffers, 4 to 16 KiB.</b> One of {@link #IO_SIZES}, equally likely: a 4 KiB and an 8 KiB read buffer,
 *   and the 16 KiB unit that both TLS and HTTP/2 frame data in (a TLS 1.3 record carries at most 2^14 bytes of
 *   plaintext, RFC 8446 section 5.1; HTTP/2's SETTINGS_MAX_FRAME_SIZE starts at 2^14, RFC 9113 section 4.2),
 *   bare, as an HTTP/2 frame with its 9-byte header (16,393 B) and as a full TLS record with its 5-byte header and
 *   256 bytes of expansion (16,645 B). The sizes just above a power of two are the ones Netty's
 *   AdaptivePoolingAllocator gives classes of their own because framing protocols ask for them.</li>
 * <li><b>Bodies, 64 KiB to 1 MiB.</b> Log-uniform between {@value #BODY_MIN_BYTES} and {@value #BODY_MAX_BYTES} B
 *   (mean about 346 KiB), in one response of {@value #BODY_ONE_IN}. That rate makes a response 22 KiB of body on
 *   average, close to the 26 KB per request of the median web page in HTTP Archive's Web Almanac 2019 ("Page
 *   Weight": about 1,900 KB in 74 requests).</li>
 * </ul>
 *
 * <p>Draws are deterministic for a given random number stream, so a run with the same seed asks every peer for the
 * same sizes in the same order.
 */
final class SizeMix {
    /** Scale of the ETC value-size model (generalized Pareto), bytes. */
    static final double SMALL_SCALE = 214.476;
    /** Shape of the ETC value-size model (generalized Pareto). */
    static final double SMALL_SHAPE = 0.348238;
    /** Smallest small block: a header or cache entry with its key and framing. */
    static final int SMALL_MIN_BYTES = 64;
    /** Largest small block: the model's tail is cut here (about one value in 680,000 is larger). */
    static final int SMALL_MAX_BYTES = 64 * 1024;
    /** The I/O buffer sizes, equally likely (see the class comment for where each comes from). */
    static final int[] IO_SIZES = {4096, 8192, 16_384, 16_384 + 9, 16_384 + 5 + 256};
    /** Smallest body. */
    static final int BODY_MIN_BYTES = 64 * 1024;
    /** Largest body. */
    static final int BODY_MAX_BYTES = 1024 * 1024;
    /** One response in this many carries a body. */
    static final int BODY_ONE_IN = 16;

    private static final double LOG_BODY_MIN = Math.log(BODY_MIN_BYTES);
    private static final double LOG_BODY_SPAN = Math.log(BODY_MAX_BYTES) - LOG_BODY_MIN;

    private SizeMix() {
    }

    /** {@return a header, metadata or cache value size: the ETC model, clamped} */
    static int small(SplittableRandom random) {
        // Inverse of the generalized Pareto CDF: x = scale / shape * ((1 - u)^-shape - 1).
        double u = random.nextDouble();
        double bytes = SMALL_SCALE / SMALL_SHAPE * (Math.pow(1 - u, -SMALL_SHAPE) - 1);
        return (int) Math.max(SMALL_MIN_BYTES, Math.min(SMALL_MAX_BYTES, Math.round(bytes)));
    }

    /** {@return an I/O buffer size} */
    static int io(SplittableRandom random) {
        return IO_SIZES[random.nextInt(IO_SIZES.length)];
    }

    /** {@return a body size, log-uniform in 64 KiB..1 MiB} */
    static int body(SplittableRandom random) {
        return (int) Math.round(Math.exp(LOG_BODY_MIN + random.nextDouble() * LOG_BODY_SPAN));
    }

    /** {@return whether this response carries a body: one in {@value #BODY_ONE_IN}} */
    static boolean hasBody(SplittableRandom random) {
        return random.nextInt(BODY_ONE_IN) == 0;
    }

    /** {@return a size from the whole mix as one request draws it: small, I/O and body in a request's proportions} */
    static int any(SplittableRandom random) {
        // A request draws 2 small, 2 I/O and a body one time in 16: 4 + 1/16 blocks.
        int pick = random.nextInt(4 * BODY_ONE_IN + 1);
        if (pick == 0) {
            return body(random);
        }
        return pick <= 2 * BODY_ONE_IN ? small(random) : io(random);
    }
}
