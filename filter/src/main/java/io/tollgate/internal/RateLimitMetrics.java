package io.tollgate.internal;

import io.tollgate.RateLimitFilterMXBean;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind {@link RateLimitFilterMXBean}. */
public final class RateLimitMetrics implements RateLimitFilterMXBean {

    private final LongAdder admitted = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder dryRunRejected = new LongAdder();
    private final Map<String, LongAdder> rejectedByPolicy = new ConcurrentHashMap<>();
    private final BackendHealth health;
    private final String settings;

    public RateLimitMetrics(BackendHealth health, String settings) {
        this.health = health;
        this.settings = settings;
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

    @Override
    public long getBackendFailures() {
        return health.failures();
    }

    @Override
    public long getFallbackDecisions() {
        return health.fallbacks();
    }

    @Override
    public String getBackendState() {
        return health.state();
    }

    @Override
    public String getSettings() {
        return settings;
    }
}
