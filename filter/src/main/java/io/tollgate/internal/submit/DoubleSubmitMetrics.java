package io.tollgate.internal.submit;

import io.tollgate.internal.redis.BackendHealth;
import io.tollgate.internal.runtime.FilterMetrics;

import io.tollgate.DoubleSubmitFilterMXBean;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link DoubleSubmitFilterMXBean}. */
public final class DoubleSubmitMetrics extends FilterMetrics implements DoubleSubmitFilterMXBean {

    /** What the filter answered. */
    public enum Outcome { FIRST, DUPLICATE, REPLAYED, KEY_REUSED, UNGUARDED }

    private final LongAdder[] counts = new LongAdder[Outcome.values().length];

    public DoubleSubmitMetrics(BackendHealth health, String settings) {
        super(health, settings);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void count(Outcome outcome) {
        counts[outcome.ordinal()].increment();
    }

    private long sum(Outcome outcome) {
        return counts[outcome.ordinal()].sum();
    }

    @Override
    public long getFirstSubmits() {
        return sum(Outcome.FIRST);
    }

    @Override
    public long getDuplicates() {
        return sum(Outcome.DUPLICATE);
    }

    @Override
    public long getReplayed() {
        return sum(Outcome.REPLAYED);
    }

    @Override
    public long getKeyReuses() {
        return sum(Outcome.KEY_REUSED);
    }

    @Override
    public long getUnguarded() {
        return sum(Outcome.UNGUARDED);
    }

}
