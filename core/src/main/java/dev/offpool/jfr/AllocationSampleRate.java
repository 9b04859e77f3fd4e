package dev.offpool.jfr;

import jdk.jfr.SettingControl;

import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code throttle} setting of {@code offpool.AllocationSample} and the limiter that applies it: at most
 * {@code N} samples per time unit, as JFR's own {@code @Throttle} would allow ({@code "100/s"}, {@code "10/s"},
 * {@code "6000/m"}, {@code "0/s"}: none, {@code "off"}: every allocation).
 *
 * <h2>Why offpool throttles instead of JFR</h2>
 * JFR (JDK 25) takes an event class defined by the bootstrap class loader for one of the JDK's own and ignores its
 * {@code @Throttle} annotation: it throttles such a class only when it follows the JDK-internal static-method pattern.
 * The agent puts core on the bootstrap class path (one copy for every class loader), so under the agent a
 * {@code @Throttle}d sample ran unthrottled: 10/s gave tens of thousands of samples a second. JFR does call a
 * {@link SettingControl}'s {@link #setValue} for such a class (only the setting method in {@code shouldCommit} is
 * skipped), so the setting is declared with this control, JFR combines the recordings' values and hands the result
 * here, and {@link AllocationSampler} asks {@link #tryAcquire} after JFR's own enabled check. One mechanism on every
 * path: the API, the agent, a recording started by {@code jcmd}.
 *
 * <h2>The limiter</h2>
 * A rate of {@code N} per unit splits the unit into {@code K = min(N, 10)} windows, and window {@code i} (counted from
 * an origin) allows {@code floor((i mod K + 1) N / K) - floor((i mod K) N / K)} samples: exactly {@code N} per unit,
 * spread over it instead of all in its first instant. The window number and the samples taken in it share one
 * {@link AtomicLong}; a denied allocation (the common case once the window's budget is spent) costs one volatile read
 * and a clock read, a sample one CAS.
 */
public final class AllocationSampleRate extends SettingControl {
    /** The rate when no recording sets one: the value JFR's {@code @Throttle} had by default here. */
    static final String DEFAULT_VALUE = "100/s";
    private static final int WINDOWS_PER_UNIT = 10;
    private static final int COUNT_BITS = 24;
    private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;

    /** The limit in force: replaced whole by {@link #setValue}. */
    private static volatile Limit current = Limit.parse(DEFAULT_VALUE);

    private String value = DEFAULT_VALUE;

    /** Created by JFR, once per event type registration. */
    public AllocationSampleRate() {
    }

    /**
     * {@return the highest rate of {@code values}: {@code "off"} if any is off, the default if none parses} As JFR
     * combines a throttle set by several recordings.
     */
    @Override
    public String combine(Set<String> values) {
        String best = null;
        double bestPerNano = -1;
        for (String candidate : values) {
            Limit limit = Limit.parseOrNull(candidate);
            if (limit == null) {
                continue;
            }
            if (limit.unlimited()) {
                return candidate;
            }
            double perNano = (double) limit.count() / limit.unitNanos();
            if (perNano > bestPerNano) {
                bestPerNano = perNano;
                best = candidate;
            }
        }
        return best != null ? best : DEFAULT_VALUE;
    }

    /** Puts {@code newValue} in force; a value that does not parse leaves the default in force. */
    @Override
    public void setValue(String newValue) {
        Limit limit = Limit.parseOrNull(newValue);
        current = limit != null ? limit : Limit.parse(DEFAULT_VALUE);
        value = newValue;
    }

    @Override
    public String getValue() {
        return value;
    }

    /** {@return true if one more sample fits in the rate in force now} */
    static boolean tryAcquire() {
        return current.tryAcquire(System.nanoTime());
    }

    /** {@return the limit in force} For tests. */
    static Limit current() {
        return current;
    }

    /**
     * A parsed rate and its window state. Immutable but for {@code state}: the current window's number shifted left
     * by 24 bits plus the samples taken in it, -1 before the first; only {@link #tryAcquire} changes it, by CAS.
     */
    static final class Limit {
        /** Samples allowed per unit; {@code Long.MAX_VALUE}: off, no limit. */
        private final long count;
        /** The unit's length, a second at least (a shorter unit is scaled to a second). */
        private final long unitNanos;
        /** Windows per unit, {@code min(count, 10)} and at least 1. */
        private final int windows;
        /** The length of one window, {@code unitNanos / windows}. */
        private final long windowNanos;
        /** The {@link System#nanoTime()} window 0 starts at. */
        private final long origin;
        private final AtomicLong state = new AtomicLong(-1);

        private Limit(long count, long unitNanos, int windows, long windowNanos, long origin) {
            this.count = count;
            this.unitNanos = unitNanos;
            this.windows = windows;
            this.windowNanos = windowNanos;
            this.origin = origin;
        }

        /** {@return samples allowed per unit; {@code Long.MAX_VALUE} when off} */
        long count() {
            return count;
        }

        /** {@return the unit's length in nanoseconds} */
        long unitNanos() {
            return unitNanos;
        }

        /** {@return the {@link System#nanoTime()} window 0 starts at} */
        long origin() {
            return origin;
        }

        static Limit parse(String text) {
            Limit limit = parseOrNull(text);
            if (limit == null) {
                throw new IllegalArgumentException("a sample rate is \"off\" or <count>/<unit> with unit ns, us, ms, "
                        + "s, m, h or d, such as 100/s; was \"" + text + "\"");
            }
            return limit;
        }

        /** {@return the limit {@code text} spells, or null if it spells none} */
        static Limit parseOrNull(String text) {
            if (text == null) {
                return null;
            }
            String t = text.strip().toLowerCase(Locale.ROOT);
            if (t.equals("off")) {
                return of(Long.MAX_VALUE, TimeUnit.SECONDS.toNanos(1));
            }
            int slash = t.indexOf('/');
            if (slash <= 0) {
                return null;
            }
            long count;
            try {
                count = Long.parseLong(t.substring(0, slash).strip());
            } catch (NumberFormatException e) {
                return null;
            }
            long unit = switch (t.substring(slash + 1).strip()) {
                case "ns" -> 1L;
                case "us" -> TimeUnit.MICROSECONDS.toNanos(1);
                case "ms" -> TimeUnit.MILLISECONDS.toNanos(1);
                case "s" -> TimeUnit.SECONDS.toNanos(1);
                case "m" -> TimeUnit.MINUTES.toNanos(1);
                case "h" -> TimeUnit.HOURS.toNanos(1);
                case "d" -> TimeUnit.DAYS.toNanos(1);
                default -> -1L;
            };
            return count < 0 || unit < 0 ? null : of(count, unit);
        }

        private static Limit of(long count, long unitNanos) {
            long second = TimeUnit.SECONDS.toNanos(1);
            if (unitNanos < second) { // per second, so no window is shorter than 100 ms
                try {
                    count = Math.multiplyExact(count, second / unitNanos);
                } catch (ArithmeticException tooMany) {
                    count = Long.MAX_VALUE;
                }
                unitNanos = second;
            }
            int windows = (int) Math.max(1, Math.min(count, WINDOWS_PER_UNIT));
            long windowNanos = Math.max(1, unitNanos / windows);
            return new Limit(count, unitNanos, windows, windowNanos, System.nanoTime());
        }

        /** {@return true if the limit is off: every sample is allowed} */
        boolean unlimited() {
            return count == Long.MAX_VALUE;
        }

        /** {@return how many samples window {@code index} allows} */
        long budget(long index) {
            long i = Math.floorMod(index, windows);
            if (count > Long.MAX_VALUE / (WINDOWS_PER_UNIT + 1)) {
                return COUNT_MASK;
            }
            return (i + 1) * count / windows - i * count / windows;
        }

        /** {@return true, and counts one sample, if one more fits in the window {@code nowNanos} falls in} */
        boolean tryAcquire(long nowNanos) {
            if (unlimited()) {
                return true;
            }
            long index = (nowNanos - origin) / windowNanos;
            long budget = Math.min(budget(index), COUNT_MASK);
            while (true) {
                long s = state.get();
                long stateIndex = s >> COUNT_BITS;
                long taken = s & COUNT_MASK;
                long next;
                if (s == -1 || stateIndex < index) {
                    next = index << COUNT_BITS;
                } else if (stateIndex > index || taken >= budget) {
                    return false;           // spent, or another thread is in a later window already
                } else {
                    next = s;
                }
                if (budget == 0) {
                    return false;
                }
                if (state.compareAndSet(s, next + 1)) {
                    return true;
                }
            }
        }
    }
}
