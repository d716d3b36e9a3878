package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.config.SettingFormats;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One limit: at most {@code count} requests in any window of length {@code period}, kept by an
 * {@link Algorithm}. With {@code sliding-log} and {@code rratelimiter} each admitted request holds its permit
 * for exactly {@code period}; with {@code token-bucket} a permit comes back every {@code period / count} and
 * at most {@code burst} are saved up, so at most {@code burst + count * t / period} pass in any span {@code t}.
 */
public final class Limit {

    /**
     * Most permits one limit may hold per key. Each permit held costs Redis memory (a sorted-set entry, see
     * docs/benchmarks.md); a larger count per client is almost always a period that should be shorter.
     */
    public static final int MAX_COUNT = 100_000;

    /**
     * Most a token-bucket limit may count: its state is one number whatever the count, so only the
     * precision of the refill bounds it (see {@link #MIN_TOKEN_MICROS}).
     */
    public static final long MAX_TOKEN_BUCKET_COUNT = 1_000_000_000_000L;

    /** Shortest time between two tokens of a token bucket, in microseconds: below it the refill is not exact. */
    static final long MIN_TOKEN_MICROS = 1;

    /** Longest period: permits are held, and memory is used, for a whole period. */
    public static final Duration MAX_PERIOD = Duration.ofDays(366);

    static final String RULE = "must be COUNT/PERIOD like 100/1m or 10/s, several separated by commas";
    private static final Pattern LIMIT = Pattern.compile("(\\d+)\\s*/\\s*(\\S+)");
    private static final Pattern BARE_UNIT = Pattern.compile("ms|s|m|h|d");

    private final long count;
    private final Duration period;
    private final long burst;
    private final Algorithm algorithm;

    /** A {@code sliding-log} limit. */
    public Limit(long count, Duration period) {
        this(count, period, count, Algorithm.SLIDING_LOG);
    }

    /** A limit kept by {@code algorithm}; {@code burst} matters to {@code token-bucket} only. */
    public Limit(long count, Duration period, long burst, Algorithm algorithm) {
        this.count = count;
        this.period = period;
        this.burst = burst;
        this.algorithm = algorithm;
    }

    /** Parses {@code 100/1m, 10/s, 5/PT1H}: every limit of a {@code sliding-log} policy. */
    public static List<Limit> parseAll(String text) {
        return parseAll(text, Algorithm.SLIDING_LOG);
    }

    /** Parses every limit of a policy kept by {@code algorithm}, each with its count as its burst. */
    public static List<Limit> parseAll(String text, Algorithm algorithm) {
        return sorted(inOrder(text, algorithm));
    }

    /**
     * A policy's limits with its {@code burst} setting applied: the one home of the rule that a burst is
     * {@code token-bucket}'s only. Each settings parser (init-params, rules file, OutboundLimiter) checks
     * {@code limitsText} with {@link #parseAll(String, Algorithm)} first, so every error here is the burst's.
     *
     * @param burstText the burst as given, or null when none was
     * @throws IllegalArgumentException stating the burst's rule
     */
    public static List<Limit> policyLimits(String limitsText, Algorithm algorithm, String burstText) {
        if (burstText == null) {
            return parseAll(limitsText, algorithm);
        }
        if (algorithm != Algorithm.TOKEN_BUCKET) {
            throw new IllegalArgumentException("applies to algorithm token-bucket only (algorithm is " + algorithm + ")");
        }
        return withBursts(limitsText, algorithm, burstText);
    }

    /**
     * The limits of {@code limitsText} (already checked by {@link #parseAll(String, Algorithm)}) with the
     * {@code burst} init-param applied: one whole number per limit, in the order {@code limits} lists them
     * (how many requests may come at once; default: each limit's count).
     */
    static List<Limit> withBursts(String limitsText, Algorithm algorithm, String burstText) {
        List<Limit> limits = inOrder(limitsText, algorithm);
        List<String> items = SettingFormats.list(burstText);
        if (items.size() != limits.size()) {
            throw new IllegalArgumentException("must give one burst per limit (" + limits.size() + "), in the order"
                    + " of limits");
        }
        List<Limit> out = new ArrayList<>();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            String item = items.get(i);
            long burst;
            try {
                burst = Long.parseLong(item);
            } catch (NumberFormatException e) {
                burst = -1;
            }
            if (burst < 1 || burst > MAX_TOKEN_BUCKET_COUNT) {
                throw new IllegalArgumentException("burst [" + item + "] must be a whole number from 1 to "
                        + MAX_TOKEN_BUCKET_COUNT);
            }
            if (limit.period.toMillis() / (double) limit.count * burst > MAX_PERIOD.toMillis()) {
                throw new IllegalArgumentException("burst [" + item + "] of limit [" + limit + "] would save up"
                        + " permits for longer than 366d");
            }
            out.add(new Limit(limit.count, limit.period, burst, limit.algorithm));
        }
        return sorted(out);
    }

    private static List<Limit> inOrder(String text, Algorithm algorithm) {
        List<Limit> limits = new ArrayList<>();
        for (String item : SettingFormats.list(text)) {
            Limit limit = parse(item, algorithm);
            for (Limit other : limits) {
                if (other.period.equals(limit.period)) {
                    throw new IllegalArgumentException("limits [" + other + "] and [" + limit
                            + "] have the same period; keep the smaller count");
                }
            }
            limits.add(limit);
        }
        return limits;
    }

    private static List<Limit> sorted(List<Limit> limits) {
        limits.sort((a, b) -> a.period.compareTo(b.period));
        return Collections.unmodifiableList(limits);
    }

    static Limit parse(String item) {
        return parse(item, Algorithm.SLIDING_LOG);
    }

    static Limit parse(String item, Algorithm algorithm) {
        long max = maxCount(algorithm);
        Matcher m = LIMIT.matcher(item.trim());
        if (!m.matches()) {
            if (item.trim().startsWith("-")) {
                throw new IllegalArgumentException("count must be a whole number from 1 to " + max);
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
            throw new IllegalArgumentException("count must be a whole number from 1 to " + max);
        }
        if (count > max && algorithm == Algorithm.TOKEN_BUCKET) {
            throw new IllegalArgumentException("count must be a whole number from 1 to " + max);
        }
        if (count > max) {
            throw new IllegalArgumentException("count is above " + max + ": the Redis log of one client"
                    + " would hold up to " + count + " entries (about " + Math.round(count / 1e6 * BYTES_PER_PERMIT)
                    + " MB per key); use a shorter period with a proportionally smaller count, or algorithm"
                    + " token-bucket");
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
        if (algorithm == Algorithm.TOKEN_BUCKET && period.toMillis() * 1000 / count < MIN_TOKEN_MICROS) {
            throw new IllegalArgumentException("limit [" + item.trim() + "] refills faster than one permit per"
                    + " microsecond; use a longer period");
        }
        return new Limit(count, Duration.ofMillis(period.toMillis()), count, algorithm);
    }

    /** Largest count one limit may have with {@code algorithm}: a log holds every permit, a bucket one number. */
    static long maxCount(Algorithm algorithm) {
        return algorithm == Algorithm.TOKEN_BUCKET ? MAX_TOKEN_BUCKET_COUNT : MAX_COUNT;
    }

    /** Upper estimate of the Redis memory one permit held takes in a large log (see docs/rate-limiting.md). */
    static final int BYTES_PER_PERMIT = 128;

    public long count() {
        return count;
    }

    public Duration period() {
        return period;
    }

    /** How many requests may come at once ({@code token-bucket}); the count for the other algorithms. */
    public long burst() {
        return burst;
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    /** The period in whole seconds, rounded up (for headers). */
    public long periodSeconds() {
        return (period.toMillis() + 999) / 1000;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limit && ((Limit) o).count == count && ((Limit) o).period.equals(period)
                && ((Limit) o).burst == burst && ((Limit) o).algorithm == algorithm;
    }

    @Override
    public int hashCode() {
        return (Long.hashCode(count) * 31 + period.hashCode()) * 31 + Long.hashCode(burst);
    }

    /** {@code 100/1m}, with {@code burst 20} when a token bucket's burst is not its count. */
    @Override
    public String toString() {
        return count + "/" + SettingFormats.format(period) + (burst == count ? "" : " burst " + burst);
    }
}
