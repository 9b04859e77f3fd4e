package dev.offpool.benchmarks.workload;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A benchmark program's command line (the workloads' and the real servers'): {@code --name value} (or {@code --name=value}) pairs, each declared with a
 * default and a line of help. Values are read by type when asked for; a malformed value, an undeclared option or an
 * option without a value throws {@link IllegalArgumentException} naming it and the accepted form.
 *
 * <p>Forms: a whole number; a fraction ({@code 0.25}); a size, in bytes or with {@code k}, {@code m}, {@code g}
 * (powers of 1024); a duration, a whole number with {@code ms}, {@code s} or {@code m}.
 */
public final class Arguments {
    /**
     * One option.
     *
     * @param name         its name, without the dashes
     * @param defaultValue the value when not given, or {@code null} when it must be given
     * @param help         what it sets, in one line
     */
    public record Option(String name, String defaultValue, String help) {
    }

    private final String program;
    private final Map<String, Option> options = new LinkedHashMap<>();
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * @param program the program's name, for messages
     * @param declared every option it takes
     * @param args    the command line
     * @throws IllegalArgumentException if an option is unknown or has no value
     */
    public Arguments(String program, List<Option> declared, String... args) {
        this.program = program;
        for (Option option : declared) {
            options.put(option.name(), option);
        }
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException(program + ": expected an option (--name value), got '" + arg
                        + "'\n" + usage());
            }
            String name = arg.substring(2);
            String value;
            int equals = name.indexOf('=');
            if (equals >= 0) {
                value = name.substring(equals + 1);
                name = name.substring(0, equals);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException(program + ": option --" + name + " has no value");
            }
            if (!options.containsKey(name)) {
                throw new IllegalArgumentException(program + ": unknown option --" + name + "\n" + usage());
            }
            values.put(name, value);
        }
    }

    /** {@return whether {@code args} asks for the usage} */
    public static boolean wantsHelp(String... args) {
        return List.of(args).contains("--help") || List.of(args).contains("-h");
    }

    /** {@return every option with its default and help, one per line} */
    public String usage() {
        StringBuilder out = new StringBuilder("usage: " + program + " [--option value]...\n");
        for (Option option : options.values()) {
            out.append(String.format(Locale.ROOT, "  --%-24s %s%s%n", option.name() + " " + placeholder(option),
                    option.help(), option.defaultValue() == null ? " (required)" : " (default " + option.defaultValue()
                            + ")"));
        }
        return out.toString();
    }

    /** {@return the option's value as given, or its default} */
    public String text(String name) {
        String value = values.get(name);
        if (value == null) {
            value = declared(name).defaultValue();
            if (value == null) {
                throw new IllegalArgumentException(program + ": option --" + name + " is required\n" + usage());
            }
        }
        return value;
    }

    /** {@return the option as a whole number of at least {@code min}} */
    public int integer(String name, int min) {
        String text = text(name);
        try {
            int value = Integer.parseInt(text);
            if (value >= min) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted form
        }
        throw new IllegalArgumentException(program + ": --" + name + " must be a whole number of at least " + min
                + ", was '" + text + "'");
    }

    /** {@return the option as a number in {@code [min, max]}} */
    public double decimal(String name, double min, double max) {
        String text = text(name);
        try {
            double value = Double.parseDouble(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted form
        }
        throw new IllegalArgumentException(program + ": --" + name + " must be a number from " + min + " to " + max
                + ", was '" + text + "'");
    }

    /** {@return the option as a size in bytes, at least 1} */
    public long bytes(String name) {
        String text = text(name);
        String lower = text.toLowerCase(Locale.ROOT);
        long unit = switch (lower.isEmpty() ? ' ' : lower.charAt(lower.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        String digits = unit == 1 ? lower : lower.substring(0, lower.length() - 1);
        try {
            long value = Math.multiplyExact(Long.parseLong(digits), unit);
            if (value >= 1) {
                return value;
            }
        } catch (NumberFormatException | ArithmeticException e) {
            // reported below with the accepted form
        }
        throw new IllegalArgumentException(program + ": --" + name + " must be a size of at least 1 byte (4096, 64k, "
                + "256m, 1g), was '" + text + "'");
    }

    /** {@return the option as a positive duration} */
    public Duration duration(String name) {
        String text = text(name);
        String lower = text.toLowerCase(Locale.ROOT);
        try {
            Duration value;
            if (lower.endsWith("ms")) {
                value = Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
            } else if (lower.endsWith("s")) {
                value = Duration.ofSeconds(Long.parseLong(lower.substring(0, lower.length() - 1)));
            } else if (lower.endsWith("m")) {
                value = Duration.ofMinutes(Long.parseLong(lower.substring(0, lower.length() - 1)));
            } else {
                value = null;
            }
            if (value != null && value.isPositive()) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below with the accepted form
        }
        throw new IllegalArgumentException(program + ": --" + name + " must be a positive duration (500ms, 30s, 2m), "
                + "was '" + text + "'");
    }

    private Option declared(String name) {
        Option option = options.get(name);
        if (option == null) {
            throw new IllegalStateException(program + " reads option --" + name + " that it never declared");
        }
        return option;
    }

    private static String placeholder(Option option) {
        String name = option.name();
        return name.equals("peer") ? "NAME" : name.equals("out") ? "DIR" : "VALUE";
    }
}
