package dev.offpool.nativebridge;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiscardAdviceTest {

    @Test
    void propertyValuesNameTheAdviceInAnyCase() {
        assertEquals(DiscardAdvice.DONTNEED, DiscardAdvice.parse("dontneed"));
        assertEquals(DiscardAdvice.FREE, DiscardAdvice.parse(" FREE "));
    }

    @Test
    void anUnsetPropertyMeansDontneed() {
        assertEquals(DiscardAdvice.DONTNEED, DiscardAdvice.parse(null));
        assertEquals(DiscardAdvice.DONTNEED, DiscardAdvice.parse(""));
    }

    @Test
    void anUnknownValueIsRejectedWithTheValueAndTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DiscardAdvice.parse("lazy"));
        assertTrue(e.getMessage().contains("offpool.madvise must be dontneed or free, was \"lazy\""), e.getMessage());
    }

    @Test
    void theSystemPropertyPicksTheAdviceOfTheServiceLoaderConstructor() {
        String old = System.getProperty(MmapPageSource.MADVISE_PROPERTY);
        try {
            System.setProperty(MmapPageSource.MADVISE_PROPERTY, "free");
            assertEquals(DiscardAdvice.FREE, new MmapPageSource().discardAdvice());
            System.clearProperty(MmapPageSource.MADVISE_PROPERTY);
            assertEquals(DiscardAdvice.DONTNEED, new MmapPageSource().discardAdvice());
        } finally {
            if (old == null) {
                System.clearProperty(MmapPageSource.MADVISE_PROPERTY);
            } else {
                System.setProperty(MmapPageSource.MADVISE_PROPERTY, old);
            }
        }
    }
}
