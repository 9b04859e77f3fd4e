package dev.offpool.jfr;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AllocationSampleRateTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void tenPerSecondAllowsTenSamplesEachSecondSpreadOneInEachTenthOfIt() {
        AllocationSampleRate.Limit limit = AllocationSampleRate.Limit.parse("10/s");
        long origin = limit.origin();
        int allowed = 0;
        int[] perTenth = new int[30];
        for (long t = 0; t < 3 * SECOND; t += SECOND / 1000) {         // an allocation every millisecond, 3 s
            if (limit.tryAcquire(origin + t)) {
                allowed++;
                perTenth[(int) (t / (SECOND / 10))]++;
            }
        }
        assertEquals(30, allowed);
        for (int tenth = 0; tenth < perTenth.length; tenth++) {
            assertEquals(1, perTenth[tenth], "tenth " + tenth);
        }
    }

    @Test
    void aRateThatTheWindowsDoNotDivideStillAllowsExactlyItsCountPerUnit() {
        AllocationSampleRate.Limit limit = AllocationSampleRate.Limit.parse("17 / m");
        long minute = TimeUnit.MINUTES.toNanos(1);
        int allowed = 0;
        for (long t = 0; t < 2 * minute; t += SECOND / 100) {
            allowed += limit.tryAcquire(limit.origin() + t) ? 1 : 0;
        }
        assertEquals(34, allowed);
    }

    @Test
    void shortUnitsAreScaledToSecondsAndOffAndZeroMeanAllAndNone() {
        AllocationSampleRate.Limit perMilli = AllocationSampleRate.Limit.parse("2/ms");
        assertEquals(2000, perMilli.count());
        assertEquals(SECOND, perMilli.unitNanos());
        AllocationSampleRate.Limit off = AllocationSampleRate.Limit.parse("off");
        assertTrue(off.unlimited());
        for (int i = 0; i < 1000; i++) {
            assertTrue(off.tryAcquire(off.origin()));
        }
        AllocationSampleRate.Limit none = AllocationSampleRate.Limit.parse("0/s");
        assertFalse(none.tryAcquire(none.origin()));
        assertFalse(none.tryAcquire(none.origin() + 5 * SECOND));
    }

    @Test
    void aValueThatIsNoRateIsRejectedByParseAndLeavesTheDefaultInForce() {
        assertNull(AllocationSampleRate.Limit.parseOrNull("ten per second"));
        assertNull(AllocationSampleRate.Limit.parseOrNull("10/fortnight"));
        assertNull(AllocationSampleRate.Limit.parseOrNull("-1/s"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AllocationSampleRate.Limit.parse("10"));
        assertTrue(e.getMessage().contains("\"10\""), e.getMessage());
        AllocationSampleRate control = new AllocationSampleRate();
        control.setValue("nonsense");
        assertEquals(100, AllocationSampleRate.current().count(), "the default, 100/s");
        control.setValue("10/s");
        assertEquals(10, AllocationSampleRate.current().count());
        control.setValue(AllocationSampleRate.DEFAULT_VALUE);
    }

    @Test
    void recordingsCombineToTheHighestRateAndOffWins() {
        AllocationSampleRate control = new AllocationSampleRate();
        assertEquals("20/s", control.combine(Set.of("10/s", "20/s", "600/m")));
        assertEquals("1200/m", control.combine(Set.of("10/s", "1200/m")));
        assertEquals("off", control.combine(Set.of("10/s", "off")));
        assertEquals(AllocationSampleRate.DEFAULT_VALUE, control.combine(Set.of()));
    }
}
