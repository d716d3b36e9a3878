package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.ratelimit.RateLimiter;
import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.redis.SharedCall;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Makes one hot key cost fewer round trips than requests, exactly. Per key, at most
 * {@value #DEFAULT_MAX_IN_FLIGHT} script calls are in flight from this JVM; requests for the key that arrive
 * meanwhile queue, and when a call returns the next one carries all of them (up to {@link #DEFAULT_MAX_BATCH}) with their costs in arrival order, decided by the
 * engine's batch script ({@link BatchLimiter#tryAcquireAll}) at one Redis time, each with its own answer.
 * No timer and no linger: a request that finds nothing in flight goes at once, alone, through the engine's
 * one-request call ({@link BatchLimiter#tryAcquire}), so a quiet key gains no latency and no command.
 *
 * <p>Why this is exact: the batch script decides its requests one after the other as separate calls in
 * that order would have, and every request of a batch was waiting at the same time, so any order of them
 * (arrival order here) is one that separate calls could have taken. Redis runs each script alone, so
 * another JVM's calls fall before or after the whole batch, as they would before or after each request.
 * Nothing is admitted that a serial order of the same requests would refuse.
 *
 * <p>Only requests with the same key and the same limits ride together; a request that spends on several
 * keys at once (several policies) goes alone ({@link RateLimiter#tryAcquireAlone}), so its all-or-nothing
 * give-back never spans a batch. A call that is out longer than {@code backendTimeout} no longer holds
 * the key: the next request goes at once on a call of its own (a slow connection does not stall the key).
 *
 * <p>Failures stay per request: each request waits on its own answer within its own bound (BackendAccess),
 * and a grant that arrives after its request stopped waiting is given back by that request. The health
 * hears of each call once: of a request's own call from its bounded call, as ever; of a shared call from
 * here, when it ends ({@link SharedCall}): a request that spent its bound queued behind a call in flight
 * gets what a late call gets, but does not make Redis look slow.
 */
public final class HotKeyCombiner implements RateLimiter {

    /** Most requests one call carries. */
    public static final int DEFAULT_MAX_BATCH = 256;
    /**
     * Calls per key in flight at once (a call older than the bound does not count). Two, not one: the same
     * throughput in the benchmark, and a call stuck on one slow pooled connection does not leave the key
     * silent meanwhile (Redis's health judges a late call by whether Redis answered anything since).
     */
    public static final int DEFAULT_MAX_IN_FLIGHT = 2;
    /** System property for measurements: most requests per call (1: no combining at all). Not a setting. */
    public static final String MAX_BATCH_PROPERTY = "io.tollgate.combine.maxBatch";
    /** System property for measurements: calls per key in flight at once. Not a setting. */
    public static final String MAX_IN_FLIGHT_PROPERTY = "io.tollgate.combine.maxInFlight";

    private final BatchLimiter engine;
    private final BackendAccess health;
    private final int maxBatch;
    private final int maxInFlight;
    private final long staleNanos;
    private final ConcurrentHashMap<String, Lane> lanes = new ConcurrentHashMap<>();
    private final LongAdder calls = new LongAdder();
    private final LongAdder decisions = new LongAdder();
    /** Calls per batch size: index = size (1 .. maxBatch). */
    private final AtomicLongArray sizes;

    /**
     * Combines {@code engine}'s calls, with the defaults.
     *
     * @param access how the requests reach Redis: its {@code backendTimeout} frees a key from a call out
     *               longer, and its health hears of every shared call once
     */
    public HotKeyCombiner(BatchLimiter engine, BackendAccess access) {
        this(engine, access.backendTimeout(), access, Integer.getInteger(MAX_BATCH_PROPERTY, DEFAULT_MAX_BATCH),
                Integer.getInteger(MAX_IN_FLIGHT_PROPERTY, DEFAULT_MAX_IN_FLIGHT));
    }

    /**
     * For tests and measurements ({@code maxBatch} 1 turns combining off).
     *
     * @param health told of every call once; null: nobody
     */
    public HotKeyCombiner(BatchLimiter engine, Duration bound, BackendAccess health, int maxBatch, int maxInFlight) {
        if (maxBatch < 1 || maxInFlight < 1) {
            throw new IllegalArgumentException("maxBatch [" + maxBatch + "] and maxInFlight [" + maxInFlight
                    + "] must be at least 1");
        }
        this.engine = engine;
        this.health = health;
        this.maxBatch = maxBatch;
        this.maxInFlight = maxInFlight;
        this.staleNanos = bound.toNanos();
        this.sizes = new AtomicLongArray(maxBatch + 1);
    }

    /** One request waiting for its answer. */
    private static final class Rider {
        final List<Limit> limits;
        final long cost;
        final SharedCall seat = SharedCall.take(); // the health hears of the call from send(), once
        final CompletableFuture<RateDecision> answer = new CompletableFuture<>();

        Rider(List<Limit> limits, long cost) {
            this.limits = limits;
            this.cost = cost;
        }
    }

    /** One key's queue: the calls in flight and the requests waiting for the next. */
    private static final class Lane {
        final String key;
        /** Created when a first request has to wait: a quiet key never needs it. */
        ArrayDeque<Rider> waiting;
        int inFlight;
        long lastSentNanos;
        boolean closed;

        Lane(String key) {
            this.key = key;
        }

        boolean nobodyWaiting() {
            return waiting == null || waiting.isEmpty();
        }

        void add(Rider rider) {
            if (waiting == null) {
                waiting = new ArrayDeque<>();
            }
            waiting.add(rider);
        }
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        return tryAcquire(key, limits, 1);
    }

    /**
     * Takes {@code cost} permits of every limit for {@code key}, or none, combined with the other requests
     * for the key that wait at the same time.
     */
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits, long cost) {
        while (true) {
            Lane lane = lanes.computeIfAbsent(key, Lane::new);
            Rider rider;
            List<Rider> batch = null;
            synchronized (lane) {
                if (lane.closed) {
                    continue; // emptied and dropped meanwhile: take the key's new lane
                }
                long now = System.nanoTime();
                boolean free = lane.inFlight < maxInFlight || now - lane.lastSentNanos > staleNanos;
                if (free && lane.nobodyWaiting() && cost == 1) {
                    // nothing to combine with: alone, exactly as without the combiner
                    lane.inFlight++;
                    lane.lastSentNanos = now;
                    rider = null;
                } else {
                    rider = new Rider(limits, cost);
                    lane.add(rider);
                    if (free) {
                        batch = next(lane, now);
                    }
                }
            }
            if (rider == null) {
                return alone(lane, key, limits);
            }
            if (batch != null) {
                send(lane, batch);
            }
            return rider.answer;
        }
    }

    /**
     * A request that found its key quiet: the engine's one-request call, its future handed back as it is and
     * its health told by the request's own bounded call, as without combining. Only its end is watched.
     */
    private CompletionStage<RateDecision> alone(Lane lane, String key, List<Limit> limits) {
        calls.increment();
        decisions.increment();
        sizes.incrementAndGet(1);
        CompletionStage<RateDecision> call;
        try {
            call = engine.tryAcquire(key, limits);
        } catch (RuntimeException e) {
            finished(lane);
            throw e;
        }
        call.whenComplete((decision, error) -> finished(lane));
        return call;
    }

    @Override
    public CompletionStage<RateDecision> tryAcquireAlone(String key, List<Limit> limits) {
        return engine.tryAcquire(key, limits);
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        return engine.release(decision);
    }

    /** The next batch to send (the lane is locked): the longest run of waiting requests with the head's limits. */
    private List<Rider> next(Lane lane, long now) {
        Rider head = lane.waiting.poll();
        if (head == null) {
            throw new IllegalStateException("no request waits on " + lane.key);
        }
        List<Rider> batch = new ArrayList<>(Math.min(lane.waiting.size() + 1, maxBatch));
        batch.add(head);
        while (batch.size() < maxBatch && !lane.waiting.isEmpty()
                && lane.waiting.peek().limits.equals(head.limits)) {
            batch.add(lane.waiting.poll());
        }
        lane.inFlight++;
        lane.lastSentNanos = now;
        return batch;
    }

    private void send(Lane lane, List<Rider> batch) {
        calls.increment();
        decisions.add(batch.size());
        sizes.incrementAndGet(batch.size());
        CompletionStage<List<RateDecision>> call;
        try {
            call = call(lane.key, batch);
        } catch (RuntimeException e) {
            done(lane, batch, null, e);
            return;
        }
        call.whenComplete((answers, error) -> done(lane, batch, answers, error));
    }

    private CompletionStage<List<RateDecision>> call(String key, List<Rider> batch) {
        Rider first = batch.get(0);
        if (batch.size() == 1 && first.cost == 1) {
            return engine.tryAcquire(key, first.limits).thenApply(List::of); // the one-request call
        }
        long[] costs = new long[batch.size()];
        for (int i = 0; i < costs.length; i++) {
            costs[i] = batch.get(i).cost;
        }
        return engine.tryAcquireAll(key, first.limits, costs);
    }

    /** A shared call returned: its health told once, the next batch sent (its round trip starts sooner), then the answers. */
    private void done(Lane lane, List<Rider> batch, List<RateDecision> answers, Throwable error) {
        if (health != null) {
            health.sharedCallEnded(error);
        }
        finished(lane);
        for (int i = 0; i < batch.size(); i++) {
            if (error != null) {
                batch.get(i).answer.completeExceptionally(error);
            } else {
                batch.get(i).answer.complete(answers.get(i));
            }
        }
    }

    /** A call of the lane ended: the waiting requests go next, or the lane is dropped when nothing is left. */
    private void finished(Lane lane) {
        List<Rider> following = null;
        synchronized (lane) {
            lane.inFlight--;
            if (!lane.nobodyWaiting() && lane.inFlight < maxInFlight) {
                following = next(lane, System.nanoTime());
            } else if (lane.inFlight == 0 && lane.nobodyWaiting()) {
                lane.closed = true;
                lanes.remove(lane.key, lane);
            }
        }
        if (following != null) {
            send(lane, following);
        }
    }

    /** Script calls made so far (each one round trip). */
    public long calls() {
        return calls.sum();
    }

    /** Requests decided so far. */
    public long decisions() {
        return decisions.sum();
    }

    /** The batch size below which {@code percent} % of the calls so far stayed (1 when none was made). */
    public int batchSizePercentile(double percent) {
        long total = 0;
        for (int s = 1; s < sizes.length(); s++) {
            total += sizes.get(s);
        }
        long rank = (long) Math.ceil(total * percent / 100.0);
        long seen = 0;
        for (int s = 1; s < sizes.length(); s++) {
            seen += sizes.get(s);
            if (seen >= rank && seen > 0) {
                return s;
            }
        }
        return 1;
    }
}
