package io.tollgate;

import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.filter.FilterMetrics;
import io.tollgate.internal.submit.SubmissionFlow;
import io.tollgate.internal.submit.Verdict;

/** The counters behind {@link DoubleSubmitFilterMXBean}. */
final class DoubleSubmitMetrics extends FilterMetrics implements DoubleSubmitFilterMXBean {

    private final SubmissionFlow flow;

    /** @param flow what counts the guarded requests, failovers and failed completions */
    DoubleSubmitMetrics(BackendAccess redis, String settings, SubmissionFlow flow) {
        super(redis, settings);
        this.flow = flow;
    }

    @Override
    public long getFailovers() {
        return flow.failovers();
    }

    @Override
    public long getStaleCompletions() {
        return flow.staleCompletions();
    }

    @Override
    public long getFailedStores() {
        return flow.failedStores();
    }

    private long sum(Verdict answer) {
        return flow.count(answer);
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
