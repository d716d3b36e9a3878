package io.tollgate.internal.config;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The formats of setting texts (docs/configuration.md, "Formats used below"): duration, size, boolean,
 * keyword, list. Each throws {@link IllegalArgumentException} whose message states the rule,
 * for {@link FilterParams} to prefix with the setting's name and value.
 */
public final class SettingFormats {

    /** Longest duration any setting takes. */
    static final Duration MAX_DURATION = Duration.ofDays(366);
    static final String DURATION_RULE = "must be like 500ms, 10s, 1m, 2h, 1d or PT10S";
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    /** Stands for a duration too long to represent; every setting's upper bound rejects it. */
    static final Duration TOO_LONG = Duration.ofSeconds(Long.MAX_VALUE);
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|mb|gb)?");

    private SettingFormats() {
    }

    /** {@code 500ms}, {@code 10s}, {@code 1m}, {@code 2h}, {@code 1d} or ISO-8601 ({@code PT10S}); must be positive. */
    public static Duration duration(String text) {
        Duration d = durationOrNull(text.trim());
        if (d == null) {
            throw new IllegalArgumentException(DURATION_RULE);
        }
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("must be longer than zero");
        }
        if (d.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("must be at most 366d");
        }
        return d;
    }

    public static Duration durationOrNull(String text) {
        String t = text.toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            try {
                return unit(m.group(2)).multipliedBy(Long.parseLong(m.group(1)));
            } catch (NumberFormatException | ArithmeticException e) {
                return TOO_LONG; // more digits than any sane setting: the caller's upper bound rejects it
            }
        }
        if (t.startsWith("p") || t.startsWith("-p")) {
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                return e.getCause() instanceof ArithmeticException ? TOO_LONG : null;
            }
        }
        return null;
    }

    public static Duration unit(String unit) {
        switch (unit) {
            case "ms": return Duration.ofMillis(1);
            case "s": return Duration.ofSeconds(1);
            case "m": return Duration.ofMinutes(1);
            case "h": return Duration.ofHours(1);
            case "d": return Duration.ofDays(1);
            default: throw new IllegalStateException(unit);
        }
    }

    /** A duration written the shortest exact way: {@code 1m}, {@code 90s}, {@code 1500ms}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1000L};
        String[] units = {"d", "h", "m", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms % sizes[i] == 0) {
                return (ms / sizes[i]) + units[i];
            }
        }
        return ms + "ms";
    }

    /** {@code 512B}, {@code 64KB}, {@code 1MB} (binary: 1KB = 1024 bytes) or a plain number of bytes. */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("must be a size like 512B, 64KB or 1MB");
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("is too large");
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = unit.equals("b") ? 0 : unit.equals("kb") ? 10 : unit.equals("mb") ? 20 : 30;
        if (n > (Long.MAX_VALUE >> shift)) {
            throw new IllegalArgumentException("is too large");
        }
        return n << shift;
    }

    /** {@code true} or {@code false}, nothing else: a typo is an error, not {@code false}. */
    public static boolean bool(String text) {
        String t = text.trim();
        if (t.equals("true")) {
            return true;
        }
        if (t.equals("false")) {
            return false;
        }
        throw new IllegalArgumentException("must be true or false");
    }

    /** A whole number within [min, max]. */
    public static int integer(String text, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("must be a whole number from " + min + " to " + max);
        }
        return n;
    }

    /**
     * One of an enum's constants, by the one case rule of every Tollgate keyword: written exactly as the docs
     * write it, in lower case with {@code -} for {@code _} ({@code ERROR_PAGE} is {@code error-page}); {@code DENY}
     * or {@code Deny} is an error, as a typo is.
     */
    public static <E extends Enum<E>> E keyword(String text, Class<E> type) {
        String t = text.trim();
        for (E e : type.getEnumConstants()) {
            if (keyword(e).equals(t)) {
                return e;
            }
        }
        StringBuilder choices = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            choices.append(choices.length() == 0 ? "" : ", ").append(keyword(e));
        }
        throw new IllegalArgumentException("must be one of " + choices);
    }

    /** An enum constant as a setting writes it: {@code error-page} for {@code ERROR_PAGE}. */
    public static String keyword(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Comma-separated items, trimmed, none empty. */
    public static List<String> list(String text) {
        List<String> out = new ArrayList<>();
        for (String part : text.split(",", -1)) {
            String p = part.trim();
            if (p.isEmpty()) {
                throw new IllegalArgumentException("has an empty item; write items separated by single commas");
            }
            out.add(p);
        }
        return Collections.unmodifiableList(out);
    }
}
