package dev.offpool.jfr;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.Registered;
import jdk.jfr.StackTrace;

/**
 * Never recorded itself: the hook that emits offpool's four periodic events once more as each chunk of a recording
 * ends, so that a recording shorter than their period ({@code offpool-period}, 5 s by default) still holds them.
 *
 * <p>Why a type of its own: JFR's {@code period} setting is a time span or a chunk boundary, not both (of several
 * recordings' values a time span wins), so an occupancy event cannot be periodic and at chunk end at once. This
 * type's period is {@code endChunk}; its hook commits the occupancy and agent events, each recorded if its own
 * settings enable it. Turning this type off ({@code enabled=false}) leaves the timed periods only.
 */
@Name(EventNames.END_OF_CHUNK)
@Label("Periodic Events At Chunk End")
@Category(EventNames.CATEGORY)
@Description("Not recorded itself: emits offpool's periodic events once more when a chunk ends, so a short "
        + "recording has them")
@Period("endChunk")
@StackTrace(false)
@Registered(false)
final class EndOfChunkEvent extends jdk.jfr.Event {
}
