package dev.offpool.jmx;

/**
 * What one tier holds for callers, as {@link AllocatorMXBean#getTiers()} reports it.
 *
 * @param tier        {@code small} (pymalloc's 16-byte classes), {@code medium} (the classes above them, to the
 *                    pooled maximum), {@code large} (best fit in large chunks) or {@code huge} (a mapping each)
 * @param blocksInUse blocks callers hold
 * @param bytesInUse  their bytes: whole blocks in the pooled and large tiers, as mapped in the huge tier
 */
public record TierUsage(String tier, long blocksInUse, long bytesInUse) {
}
