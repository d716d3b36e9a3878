package io.tollgate;

import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.filter.FilterMetrics;
import io.tollgate.internal.submit.Verdict;

import java.util.function.LongSupplier;
import java.util.function.ToLongFunction;

/** The counters behind {@link DoubleSubmitFilterMXBean}. */
final class DoubleSubmitMetrics extends FilterMetrics implements DoubleSubmitFilterMXBean {

    private final ToLongFunction<Verdict> counts;
    private final LongSupplier staleCompletions;
    private final LongSupplier failovers;

    /**
     * @param counts           how many guarded requests got each answer so far
     * @param staleCompletions how many completions were refused for a stale fencing token
     * @param failovers        how many Redis failovers were noticed
     */
    DoubleSubmitMetrics(BackendAccess redis, String settings, ToLongFunction<Verdict> counts,
            LongSupplier staleCompletions, LongSupplier failovers) {
        super(redis, settings);
        this.counts = counts;
        this.staleCompletions = staleCompletions;
        this.failovers = failovers;
    }

    @Override
    public long getFailovers() {
        return failovers.getAsLong();
    }

    @Override
    public long getStaleCompletions() {
        return staleCompletions.getAsLong();
    }

    private long sum(Verdict answer) {
        return counts.applyAsLong(answer);
    }

    @Override
    public long getFirstSubmits() {
        return sum(Verdict.FIRST);
    }

    @Override
    public long getDuplicates() {
        return sum(Verdict.DUPLICATE);
    }

    @Override
    public long getReplayed() {
        return sum(Verdict.REPLAYED);
    }

    @Override
    public long getKeyReuses() {
        return sum(Verdict.KEY_REUSED);
    }

    @Override
    public long getUnguarded() {
        return sum(Verdict.UNGUARDED);
    }

}
