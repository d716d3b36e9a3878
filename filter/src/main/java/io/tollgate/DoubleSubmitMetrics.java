package io.tollgate;

import io.tollgate.internal.redis.BackendHealth;
import io.tollgate.internal.runtime.FilterMetrics;
import io.tollgate.internal.submit.Answer;

import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link DoubleSubmitFilterMXBean}. */
final class DoubleSubmitMetrics extends FilterMetrics implements DoubleSubmitFilterMXBean {

    private final LongAdder[] counts = new LongAdder[Answer.values().length];

    DoubleSubmitMetrics(BackendHealth health, String settings) {
        super(health, settings);
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    public void count(Answer answer) {
        counts[answer.ordinal()].increment();
    }

    private long sum(Answer answer) {
        return counts[answer.ordinal()].sum();
    }

    @Override
    public long getFirstSubmits() {
        return sum(Answer.FIRST);
    }

    @Override
    public long getDuplicates() {
        return sum(Answer.DUPLICATE);
    }

    @Override
    public long getReplayed() {
        return sum(Answer.REPLAYED);
    }

    @Override
    public long getKeyReuses() {
        return sum(Answer.KEY_REUSED);
    }

    @Override
    public long getUnguarded() {
        return sum(Answer.UNGUARDED);
    }

}
