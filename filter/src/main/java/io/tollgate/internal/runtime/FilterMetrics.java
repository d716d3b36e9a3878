package io.tollgate.internal.runtime;

import io.tollgate.BackendState;

import io.tollgate.internal.redis.BackendHealth;

/** The attributes every Tollgate filter's MXBean has: its view of Redis and its settings. */
public abstract class FilterMetrics {

    private final BackendHealth health;
    private final String settings;

    protected FilterMetrics(BackendHealth health, String settings) {
        this.health = health;
        this.settings = settings;
    }

    /** Redis calls that failed or did not answer within backendTimeout. */
    public long getBackendFailures() {
        return health.failures();
    }

    /** Requests decided by onBackendFailure. */
    public long getFallbackDecisions() {
        return health.fallbacks();
    }

    /** {@code UP} or {@code DOWN}. */
    public BackendState getBackendState() {
        return health.isDown() ? BackendState.DOWN : BackendState.UP;
    }

    /** The effective settings. */
    public String getSettings() {
        return settings;
    }
}
