package dev.offpool.nativebridge;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Guards against a JNA upgrade adding a way into memory that skips the checks: every public method of JNA's
 * {@code Pointer} and {@code Memory} that the checked memories do not override must be one that only calls
 * overridden accessors (each of those is shown to throw after close in {@code PooledMemoryTest}).
 */
class CheckedMemoryCoverageTest {
    /** Inherited as they are: they reach memory only through overridden accessors, or not at all. */
    private static final Set<String> ROUTED_THROUGH_OVERRIDES = Set.of(
            "getNativeLong(long)", "setNativeLong(long,NativeLong)",
            "getByteArray(long,int)", "getCharArray(long,int)", "getShortArray(long,int)", "getIntArray(long,int)",
            "getLongArray(long,int)", "getFloatArray(long,int)", "getDoubleArray(long,int)",
            "getPointerArray(long)", "getPointerArray(long,int)",
            "getStringArray(long)", "getStringArray(long,String)", "getStringArray(long,int)",
            "getStringArray(long,int,String)", "getWideStringArray(long)", "getWideStringArray(long,int)",
            "getString(long)", "setString(long,String)", "setString(long,WString)",
            "clear()", "clear(long)", "dump()", "dump(long,int)", "align(int)",
            // No memory access: size and identity.
            "size()", "equals(Object)", "hashCode()");

    @Test
    void everyJnaAccessorIsOverriddenOrOnlyCallsOverriddenOnes() {
        for (Class<?> type : new Class<?>[] {PooledMemory.class, SegmentMemory.class}) {
            Set<String> inherited = Arrays.stream(type.getMethods())
                    .filter(m -> !Modifier.isStatic(m.getModifiers()))
                    .filter(m -> m.getDeclaringClass() == Pointer.class || m.getDeclaringClass() == Memory.class)
                    .map(CheckedMemoryCoverageTest::signature)
                    .collect(Collectors.toCollection(TreeSet::new));

            assertEquals(new TreeSet<>(ROUTED_THROUGH_OVERRIDES), inherited, type.getSimpleName());
        }
    }

    private static String signature(Method method) {
        return method.getName() + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",", "(", ")"));
    }
}
