package dev.offpool;

/**
 * The huge tier in a {@link PoolStats} snapshot: one page-source mapping per allocation.
 *
 * @param blocks          live huge blocks
 * @param bytesMapped     bytes mapped for them (each rounded up to the page size)
 * @param bytesRequested  bytes their callers asked for
 * @param allocatedTotal  huge blocks ever allocated
 * @param freedTotal      huge blocks ever freed (each unmapped at once)
 */
public record HugeTierStats(long blocks, long bytesMapped, long bytesRequested, long allocatedTotal,
                            long freedTotal) {
}
