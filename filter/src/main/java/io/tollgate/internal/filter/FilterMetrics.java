package io.tollgate.internal.filter;

import io.tollgate.BackendState;

import io.tollgate.internal.redis.BackendAccess;

import java.util.Map;

/** The attributes every Tollgate filter's MXBean has: its view of Redis and its settings. */
public abstract class FilterMetrics {

    private final BackendAccess redis;
    private final String settings;

    protected FilterMetrics(BackendAccess redis, String settings) {
        this.redis = redis;
        this.settings = settings;
    }

    /** Redis calls that failed or did not answer within backendTimeout. */
    public long getBackendFailures() {
        return redis.failures();
    }

    /** Requests decided without Redis. */
    public long getFallbackDecisions() {
        return redis.fallbacks();
    }

    /** Requests decided without Redis, per {@code route/reason}. */
    public Map<String, Long> getDecisionsWithoutRedis() {
        return redis.decisionsWithoutRedis();
    }

    /** Requests Redis answered after backendTimeout, waited for within maxWait. */
    public long getLateAnswers() {
        return redis.lateAnswers();
    }

    /** {@code UP} or {@code DOWN}. */
    public BackendState getBackendState() {
        return redis.state();
    }

    /** The effective settings. */
    public String getSettings() {
        return settings;
    }
}
