package io.tollgate.internal.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The answer for one policy: admitted or not, and for each of its limits what is left and how long until
 * a permit comes back.
 */
public final class RateDecision {

    /** The cost of one request, as a batch of one (read, never written). */
    private static final long[] ONE = {1};

    private final boolean admitted;
    private final List<Limit> limits;
    private final long[] remaining;
    private final long[] waitMillis;
    private final String key;
    private final Origin origin;

    /** How a decision came about: what gives its permits back, whether it was remembered, its waits, its cost. */
    private static final class Origin {
        static final Origin ENGINE = new Origin(null, false, true, 1);

        final String permitId;
        final boolean remembered;
        final boolean exactWait;
        final long cost;

        Origin(String permitId, boolean remembered, boolean exactWait, long cost) {
            this.permitId = permitId;
            this.remembered = remembered;
            this.exactWait = exactWait;
            this.cost = cost;
        }
    }

    private RateDecision(boolean admitted, List<Limit> limits, long[] remaining, long[] waitMillis, String key) {
        this.admitted = admitted;
        this.limits = limits;
        this.remaining = remaining;
        this.waitMillis = waitMillis;
        this.key = key;
        this.origin = Origin.ENGINE;
    }

    /** {@code base}'s answer with these budgets and this origin. */
    private RateDecision(RateDecision base, long[] remaining, long[] waitMillis, Origin origin) {
        this.admitted = base.admitted;
        this.limits = base.limits;
        this.remaining = remaining;
        this.waitMillis = waitMillis;
        this.key = base.key;
        this.origin = origin;
    }

    private RateDecision with(Origin changed) {
        return new RateDecision(this, remaining, waitMillis, changed);
    }

    /** An engine's answer, its waits exact, with nothing to give back (see {@link #withPermit}). */
    public static RateDecision of(boolean admitted, List<Limit> limits, long[] remaining, long[] waitMillis,
            String key) {
        return new RateDecision(admitted, limits, remaining, waitMillis, key);
    }

    /** This decision with {@code permitId}: what {@link RateLimiter#release} needs to give the permits back. */
    public RateDecision withPermit(String permitId) {
        return with(new Origin(permitId, origin.remembered, origin.exactWait, origin.cost));
    }

    /** This decision with its waits only upper bounds (such a rejection is not remembered in process). */
    public RateDecision withUpperBoundWaits() {
        return with(new Origin(origin.permitId, origin.remembered, false, origin.cost));
    }

    /**
     * The decision a limiter script returned for one request as {@code {admitted, remaining_1, wait_1, ...,
     * remaining_n, wait_n}} (the contract of {@code sliding-log.lua}, and of a batch of one).
     *
     * @param permitId what gives the permits back, kept only when admitted
     */
    public static RateDecision fromScript(List<Object> values, List<Limit> limits, String key, String permitId) {
        return fromBatch(values, limits, key, ONE, r -> permitId).get(0);
    }

    /**
     * The decisions a batch script returned for {@code costs.length} requests, each answered as
     * {@link #fromScript} reads one answer, one after the other in one flat list (the contract of
     * {@code sliding-log-batch.lua} and {@code token-bucket.lua}).
     *
     * @param permitIds what gives request {@code i}'s permits back, kept only when it was admitted
     */
    public static List<RateDecision> fromBatch(List<Object> values, List<Limit> limits, String key, long[] costs,
            IntFunction<String> permitIds) {
        int n = limits.size();
        int stride = 1 + 2 * n;
        if (values == null || values.size() != stride * costs.length) {
            throw new IllegalStateException("unexpected answer from Redis to a batch of " + costs.length + ": "
                    + values);
        }
        List<RateDecision> out = new ArrayList<>(costs.length);
        for (int r = 0; r < costs.length; r++) {
            int at = r * stride;
            long[] remaining = new long[n];
            long[] wait = new long[n];
            for (int i = 0; i < n; i++) {
                remaining[i] = ((Number) values.get(at + 1 + 2 * i)).longValue();
                wait[i] = Math.max(0, ((Number) values.get(at + 2 + 2 * i)).longValue());
            }
            boolean admitted = ((Number) values.get(at)).longValue() == 1;
            out.add(new RateDecision(admitted, limits, remaining, wait, key)
                    .with(new Origin(admitted ? permitIds.apply(r) : null, false, true, costs[r])));
        }
        return out;
    }

    /** Permits of every limit this request takes (1 for a request through a filter). */
    public long cost() {
        return origin.cost;
    }

    /** Whether the waits are exact (else upper bounds: the engine cannot tell when a permit comes back). */
    public boolean exactWait() {
        return origin.exactWait;
    }

    /** Whether this rejection was answered in process from an earlier one (Redis was not asked). */
    public boolean remembered() {
        return origin.remembered;
    }

    public boolean admitted() {
        return admitted;
    }

    public List<Limit> limits() {
        return limits;
    }

    /** Permits limit {@code i} has left after this request. */
    public long remaining(int i) {
        return remaining[i];
    }

    /** Milliseconds until limit {@code i} gets a permit back (when it rejected: until it admits again). */
    public long waitMillis(int i) {
        return waitMillis[i];
    }

    /** For a rejection: the longest wait among the limits that rejected; 0 when admitted. */
    public long retryAfterMillis() {
        long max = 0;
        if (!admitted) {
            for (int i = 0; i < remaining.length; i++) {
                if (remaining[i] < origin.cost) {
                    max = Math.max(max, waitMillis[i]);
                }
            }
        }
        return max;
    }

    /** The same rejection {@code elapsedMillis} later: every wait shorter by that much (at least 1 ms). */
    RateDecision later(long elapsedMillis) {
        long[] shorter = new long[waitMillis.length];
        for (int i = 0; i < shorter.length; i++) {
            shorter[i] = Math.max(1, waitMillis[i] - elapsedMillis);
        }
        return new RateDecision(this, remaining, shorter, new Origin(null, true, origin.exactWait, origin.cost));
    }

    /** This admitted decision after its permits were given back: its cost more remaining in every limit. */
    public RateDecision givenBack() {
        long[] more = remaining.clone();
        for (int i = 0; i < more.length; i++) {
            more[i] = Math.min(limits.get(i).count(), more[i] + origin.cost);
        }
        return new RateDecision(this, more, waitMillis, new Origin(null, false, origin.exactWait, origin.cost));
    }

    /** The Redis key the decision was taken on. */
    public String key() {
        return key;
    }

    /** What the engine needs to give the permits back; null when there is nothing to give back. */
    public String permitId() {
        return origin.permitId;
    }
}
