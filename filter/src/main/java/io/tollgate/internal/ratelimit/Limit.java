package io.tollgate.internal.ratelimit;

import io.tollgate.internal.config.SettingFormats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One limit: at most {@code count} requests in any window of length {@code period} (a sliding log: each
 * admitted request holds its permit for exactly {@code period}).
 */
public final class Limit {

    /**
     * Most permits one limit may hold per key. Each permit held costs Redis memory (a sorted-set entry, see
     * docs/benchmarks.md); a larger count per client is almost always a period that should be shorter.
     */
    public static final int MAX_COUNT = 100_000;

    /** Longest period: permits are held, and memory is used, for a whole period. */
    public static final Duration MAX_PERIOD = Duration.ofDays(366);

    static final String RULE = "must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas";
    private static final Pattern LIMIT = Pattern.compile("(\\d+)\\s*/\\s*(\\S+)");
    private static final Pattern BARE_UNIT = Pattern.compile("ms|s|m|h|d");

    private final long count;
    private final Duration period;

    public Limit(long count, Duration period) {
        this.count = count;
        this.period = period;
    }

    /** Parses {@code 100/1m, 10/s, 5/PT1H}: every limit of a policy. */
    public static List<Limit> parseAll(String text) {
        List<Limit> limits = new ArrayList<>();
        for (String item : SettingFormats.list(text)) {
            Limit limit = parse(item);
            for (Limit other : limits) {
                if (other.period.equals(limit.period)) {
                    throw new IllegalArgumentException("limits [" + other + "] and [" + limit
                            + "] have the same period; keep the smaller count");
                }
            }
            limits.add(limit);
        }
        limits.sort((a, b) -> a.period.compareTo(b.period));
        return Collections.unmodifiableList(limits);
    }

    static Limit parse(String item) {
        Matcher m = LIMIT.matcher(item.trim());
        if (!m.matches()) {
            if (item.trim().startsWith("-")) {
                throw new IllegalArgumentException("count must be a whole number from 1 to " + MAX_COUNT);
            }
            throw new IllegalArgumentException(RULE);
        }
        long count;
        try {
            count = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            count = Long.MAX_VALUE;
        }
        if (count < 1) {
            throw new IllegalArgumentException("count must be a whole number from 1 to " + MAX_COUNT);
        }
        if (count > MAX_COUNT) {
            throw new IllegalArgumentException("count is above " + MAX_COUNT + ": the Redis log of one client"
                    + " would hold up to " + count + " entries (about " + Math.round(count / 1e6 * BYTES_PER_PERMIT)
                    + " MB per key); use a shorter period with a proportionally smaller count");
        }
        String periodText = m.group(2);
        Duration period = BARE_UNIT.matcher(periodText.toLowerCase(java.util.Locale.ROOT)).matches()
                ? SettingFormats.unit(periodText.toLowerCase(java.util.Locale.ROOT))
                : SettingFormats.durationOrNull(periodText);
        if (period == null) {
            throw new IllegalArgumentException("period [" + periodText + "] must be like 1s, 5m, PT1H");
        }
        if (period.compareTo(MAX_PERIOD) > 0) {
            throw new IllegalArgumentException("period [" + periodText + "] must be at most 366d");
        }
        if (period.toMillis() < 1) {
            throw new IllegalArgumentException("period [" + periodText + "] must be at least 1ms");
        }
        return new Limit(count, Duration.ofMillis(period.toMillis()));
    }

    /** Upper estimate of the Redis memory one permit held takes in a large log (see docs/rate-limiting.md). */
    static final int BYTES_PER_PERMIT = 128;

    public long count() {
        return count;
    }

    public Duration period() {
        return period;
    }

    /** The period in whole seconds, rounded up (for headers). */
    public long periodSeconds() {
        return (period.toMillis() + 999) / 1000;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit && ((Limit) o).count == count && ((Limit) o).period.equals(period);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(count) * 31 + period.hashCode();
    }

    /** {@code 100/1m}. */
    @Override
    public String toString() {
        return count + "/" + SettingFormats.format(period);
    }
}
