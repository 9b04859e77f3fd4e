package dev.offpool.agent.install;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConstantPoolFilterTest {
    private static final byte[] ALLOCATE_DIRECT = "allocateDirect".getBytes(StandardCharsets.UTF_8);

    private static byte[] classFile(Class<?> type) throws IOException {
        try (InputStream in = type.getResourceAsStream(type.getSimpleName() + ".class")) {
            return in.readAllBytes();
        }
    }

    @Test
    void classThatCallsAllocateDirectHasTheNameInItsBytes() throws IOException {
        assertTrue(ConstantPoolFilter.contains(classFile(com.example.bufferapps.ReportApp.class), ALLOCATE_DIRECT));
    }

    @Test
    void classThatDoesNotIsSkipped() throws IOException {
        assertFalse(ConstantPoolFilter.contains(classFile(ClassSelection.class), ALLOCATE_DIRECT));
    }

    @Test
    void matchAtTheVeryEndIsFound() {
        byte[] haystack = "xxallocateDirect".getBytes(StandardCharsets.UTF_8);
        assertTrue(ConstantPoolFilter.contains(haystack, ALLOCATE_DIRECT));
        assertFalse(ConstantPoolFilter.contains("allocateDirec".getBytes(StandardCharsets.UTF_8), ALLOCATE_DIRECT));
    }
}
