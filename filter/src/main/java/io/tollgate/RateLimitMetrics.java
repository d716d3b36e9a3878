package io.tollgate;

import io.tollgate.internal.http.HttpToken;

import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.filter.FilterMetrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link RateLimitFilterMXBean}. */
final class RateLimitMetrics extends FilterMetrics implements RateLimitFilterMXBean {

    private final LongAdder admitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder dryRunRejected = new LongAdder();
    private final Map<String, LongAdder> rejectedByPolicy = new ConcurrentHashMap<>();

    RateLimitMetrics(BackendAccess redis, String settings) {
        super(redis, settings);
    }

    public void admitted() {
        admitted.increment();
    }

    public void rejected(String policy, boolean enforced) {
        (enforced ? rejected : dryRunRejected).increment();
        if (enforced) {
            rejectedByPolicy.computeIfAbsent(policy, p -> new LongAdder()).increment();
        }
    }

    @Override
    public long getAdmitted() {
        return admitted.sum();
    }

    @Override
    public long getRejected() {
        return rejected.sum();
    }

    @Override
    public long getDryRunRejected() {
        return dryRunRejected.sum();
    }

    @Override
    public Map<String, Long> getRejectedByPolicy() {
        Map<String, Long> out = new TreeMap<>();
        rejectedByPolicy.forEach((policy, n) -> out.put(policy, n.sum()));
        return out;
    }

}
