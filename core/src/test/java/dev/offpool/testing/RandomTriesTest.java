package dev.offpool.testing;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RandomTriesTest {

    /** Fails on about a quarter of the tries, so 200 tries fail all but surely; records what its try drew. */
    private static void quarterFail(Draw draw, List<Integer> drawn) {
        drawn.clear();
        for (int i = 0; i < 5; i++) {
            drawn.add(draw.intBetween(0, 1000));
        }
        int dice = draw.intBetween(0, 3);
        if (dice == 0) {
            throw new AssertionError("drew " + drawn);
        }
    }

    @Test
    void passingPropertyRunsEveryTryEachFromItsOwnSeed() {
        List<Long> firstDraws = new ArrayList<>();
        int run = RandomTries.run(50, draw -> firstDraws.add(draw.anyLong()));
        assertEquals(50, run);
        assertEquals(50, firstDraws.size());
        assertEquals(50, new HashSet<>(firstDraws).size(), "tries shared a seed");
    }

    @Test
    void failingPropertyIsCaughtAndNamesItsSeedAndTheReplayCommand() {
        List<Integer> drawn = new ArrayList<>();
        PropertyFailure failure = assertThrows(PropertyFailure.class,
                () -> RandomTries.run(200, draw -> quarterFail(draw, drawn)));
        String seed = Seeds.format(failure.seed());
        assertTrue(failure.getMessage().contains("seed " + seed), failure.getMessage());
        assertTrue(failure.getMessage().contains("mvn -B -pl core -am test -Dsurefire.failIfNoSpecifiedTests=false "
                + "-Dtest='RandomTriesTest#failingPropertyIsCaughtAndNamesItsSeedAndTheReplayCommand' "
                + "-Doffpool.seed=" + seed), failure.getMessage());
        assertTrue(failure.tryNumber() >= 1 && failure.tryNumber() <= 200);
        assertInstanceOf(AssertionError.class, failure.getCause());
        assertEquals("drew " + drawn, failure.getCause().getMessage());
        assertTrue(failure.steps().isEmpty());
    }

    @Test
    void replayingTheSeedReproducesTheSameFailure() {
        List<Integer> drawn = new ArrayList<>();
        PropertyFailure first = assertThrows(PropertyFailure.class,
                () -> RandomTries.run(200, draw -> quarterFail(draw, drawn)));
        List<Integer> firstDrawn = List.copyOf(drawn);
        PropertyFailure again = assertThrows(PropertyFailure.class,
                () -> RandomTries.replay(first.seed(), draw -> quarterFail(draw, drawn)));
        assertEquals(firstDrawn, drawn);
        assertEquals(first.getCause().getMessage(), again.getCause().getMessage());
        assertEquals(first.seed(), again.seed());
    }

    @Test
    void offpoolSeedPropertyRunsOneTryFromThatSeed() {
        long seed = 0x9e3779b97f4a7c15L;
        List<Long> firstDraws = new ArrayList<>();
        int run = withSeedProperty(Seeds.format(seed), () -> RandomTries.run(50,
                draw -> firstDraws.add(draw.anyLong())));
        assertEquals(1, run);
        assertEquals(List.of(new Draw(seed).anyLong()), firstDraws);
    }

    @Test
    void malformedSeedPropertyIsRejectedNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> withSeedProperty("0xnot-hex", () -> RandomTries.run(1, draw -> { })));
        assertTrue(e.getMessage().contains("-Doffpool.seed=0xnot-hex"), e.getMessage());
    }

    @Test
    void seedsPrintAsHexAndParseBackFromHexOrDecimal() {
        for (long seed : new long[] {0, 1, -1, Long.MIN_VALUE, Long.MAX_VALUE, 0x9e3779b97f4a7c15L}) {
            assertEquals(18, Seeds.format(seed).length());
            assertEquals(seed, Seeds.parse(Seeds.format(seed)));
            assertEquals(seed, Seeds.parse(Long.toString(seed)));
        }
    }

    @Test
    void nonPositiveTriesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RandomTries.run(0, draw -> { }));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }

    /** Runs {@code body} with {@code -Doffpool.seed} set, then restores the property as it was. */
    static <T> T withSeedProperty(String value, java.util.function.Supplier<T> body) {
        String before = System.getProperty(Seeds.PROPERTY);
        System.setProperty(Seeds.PROPERTY, value);
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(Seeds.PROPERTY);
            } else {
                System.setProperty(Seeds.PROPERTY, before);
            }
        }
    }
}
