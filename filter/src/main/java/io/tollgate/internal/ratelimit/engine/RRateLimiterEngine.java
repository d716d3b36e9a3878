package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;

import org.redisson.api.RRateLimiter;
import org.redisson.api.RateLimiterConfig;
import org.redisson.api.RedissonClient;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * {@code algorithm=rratelimiter}: Redisson's own {@link RRateLimiter} objects, one per limit of a client, named
 * {@link #name(String, Limit) KEY:PERIOD} so the application's code can open the same limiter with
 * {@code redisson.getRateLimiter(name)} and share its budget.
 *
 * <p>Used the way Redisson intends: {@code trySetRate} with a {@code keepAliveTime} of one period at the first
 * use of a name in this process (so idle limiters expire), then {@code tryAcquire}; a limiter whose
 * configuration expired in between fails with "RateLimiter is not initialized" and is set up again once.
 * The rate is never set on the request path, except once per name and process when the stored rate differs
 * from the configured one (a changed {@code limits} takes effect on restart, keeping what was spent).
 *
 * <p>What it cannot do exactly (docs/rate-limiting.md): {@code tryAcquire} answers only true or false, so the
 * remaining budget comes from {@code availablePermits} issued together with it on another connection (it
 * may run before or after the acquire: off by one, more under concurrency) and every wait is reported as
 * its upper bound, one period. Several limits are several limiters: each is asked for its available permits
 * first, and permits are taken only when all have one (a second round trip for an admitted request); one that
 * still rejects (a race in between) has the others give back (with {@code release}) what they took. Timed by
 * the app servers' clocks.
 *
 * <p>The calls whose form depends on the Redisson version ({@code trySetRate}, {@code setRate},
 * {@code release}) go through {@link RedissonVersions}: on Redisson before 3.38 limiters cannot expire.
 */
public final class RRateLimiterEngine implements Engine {

    static final String NOT_INITIALIZED = "RateLimiter is not initialized";
    /** Most limiter names remembered as set up by this process; a forgotten one is checked again. */
    static final int MAX_KNOWN = 10_000;
    private static final String TAKEN = "rrl";

    private final RedissonClient client;
    private final Map<String, Boolean> known = new LinkedHashMap<>(256, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_KNOWN;
        }
    };

    public RRateLimiterEngine(RedissonClient client) {
        this.client = client;
    }

    /**
     * The name of the {@code RRateLimiter} that keeps {@code limit} for the client whose Tollgate key is
     * {@code key}: {@code tollgate:rrl:{api:HASH}:1m}, {@code tollgate:out:{game-api}:1s}.
     */
    public static String name(String key, Limit limit) {
        return RedisKeys.rateLimiter(key, SettingFormats.format(limit.period()));
    }

    /** Connects to every master (RRateLimiter's scripts are Redisson's own: nothing to load). */
    @Override
    public CompletionStage<Long> prepare() {
        return ContainerThreads.call(() -> client.getKeys().countAsync());
    }

    @Override
    public CompletionStage<RateDecision> tryAcquire(String key, List<Limit> limits) {
        if (limits.size() == 1) {
            return acquireAll(key, limits);
        }
        // several limits: take from none before each says it has a permit. A permit taken and given back stays in
        // the limiter's permits set until its period ends (release only raises the count), so a flood rejected
        // by one limit would grow the others' sets by one entry per request (Redisson later scans them in one
        // script); asked first, a rejected request touches no limiter
        int n = limits.size();
        @SuppressWarnings("unchecked")
        CompletableFuture<Long>[] checks = new CompletableFuture[n];
        for (int i = 0; i < n; i++) {
            checks[i] = withLimiter(name(key, limits.get(i)), limits.get(i),
                    limiter -> ContainerThreads.call(limiter::availablePermitsAsync)).toCompletableFuture();
        }
        return CompletableFuture.allOf(checks).thenCompose(v -> {
            boolean room = true;
            long[] remaining = new long[n];
            long[] wait = new long[n];
            for (int i = 0; i < n; i++) {
                long available = checks[i].join();
                room &= available > 0;
                remaining[i] = Math.max(0, Math.min(available, limits.get(i).count()));
                wait[i] = limits.get(i).period().toMillis();
            }
            return room ? acquireAll(key, limits)
                    : CompletableFuture.completedFuture(RateDecision.of(false, limits, remaining, wait, key).withUpperBoundWaits());
        });
    }

    /** Takes one permit from every limiter at once; one that rejects (a race since the check) gives the others back. */
    private CompletionStage<RateDecision> acquireAll(String key, List<Limit> limits) {
        int n = limits.size();
        @SuppressWarnings("unchecked")
        CompletableFuture<long[]>[] answers = new CompletableFuture[n];
        for (int i = 0; i < n; i++) {
            answers[i] = acquire(name(key, limits.get(i)), limits.get(i)).toCompletableFuture();
        }
        return CompletableFuture.allOf(answers).thenApply(v -> {
            boolean admitted = true;
            for (CompletableFuture<long[]> a : answers) {
                admitted &= a.join()[0] == 1;
            }
            long[] remaining = new long[n];
            long[] wait = new long[n];
            for (int i = 0; i < n; i++) {
                long[] a = answers[i].join();
                Limit limit = limits.get(i);
                wait[i] = limit.period().toMillis();
                if (a[0] == 0) {
                    remaining[i] = 0;
                } else if (admitted) {
                    remaining[i] = Math.max(0, Math.min(a[1], limit.count() - 1));
                } else {
                    release(name(key, limit));
                    remaining[i] = Math.max(0, Math.min(a[1] + 1, limit.count()));
                }
            }
            return RateDecision.of(admitted, limits, remaining, wait, key).withPermit(admitted ? TAKEN : null)
                    .withUpperBoundWaits();
        });
    }

    @Override
    public CompletionStage<Void> release(RateDecision decision) {
        if (!decision.admitted() || decision.permitId() == null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<?>[] done = new CompletableFuture<?>[decision.limits().size()];
        for (int i = 0; i < done.length; i++) {
            done[i] = release(name(decision.key(), decision.limits().get(i))).toCompletableFuture();
        }
        return CompletableFuture.allOf(done);
    }

    private CompletionStage<Void> release(String name) {
        return ContainerThreads.call(() -> RedissonVersions.release(client, client.getRateLimiter(name), 1));
    }

    /** {admitted 1 or 0, available permits or -1 when unknown} for one limiter. */
    private CompletionStage<long[]> acquire(String name, Limit limit) {
        return withLimiter(name, limit, this::attempt);
    }

    /** Runs {@code call} on the limiter, set up first at its first use here, and again if its configuration expired. */
    private <T> CompletionStage<T> withLimiter(String name, Limit limit, Function<RRateLimiter, CompletionStage<T>> call) {
        RRateLimiter limiter = ContainerThreads.call(() -> client.getRateLimiter(name));
        CompletionStage<Void> ready = isKnown(name) ? CompletableFuture.completedFuture(null) : setUp(name, limiter, limit);
        return ready.thenCompose(v -> call.apply(limiter)).handle((answer, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(answer);
            }
            if (!notInitialized(e)) {
                return CompletableFuture.<T>failedFuture(e);
            }
            // the configuration expired (keepAliveTime) or was deleted: set it up again, once
            return ContainerThreads.call(() -> RedissonVersions.trySetRate(limiter, limit.count(), limit.period()))
                    .thenCompose(created -> call.apply(limiter));
        }).thenCompose(Function.identity());
    }

    /** tryAcquire and availablePermits, issued together (two connections: no order between them). */
    private CompletionStage<long[]> attempt(RRateLimiter limiter) {
        CompletableFuture<Boolean> acquired = ContainerThreads.call(limiter::tryAcquireAsync).toCompletableFuture();
        CompletableFuture<Long> available = ContainerThreads.call(limiter::availablePermitsAsync)
                .toCompletableFuture().exceptionally(e -> -1L);
        return acquired.thenCombine(available, (a, p) -> new long[] {a ? 1 : 0, p});
    }

    /** First use of a name in this process: create it with our rate, or bring a different stored rate to ours. */
    private CompletionStage<Void> setUp(String name, RRateLimiter limiter, Limit limit) {
        CompletableFuture<Boolean> created = ContainerThreads.call(() -> RedissonVersions.trySetRate(limiter,
                limit.count(), limit.period())).toCompletableFuture();
        CompletableFuture<RateLimiterConfig> config = ContainerThreads.call(limiter::getConfigAsync).toCompletableFuture();
        return created.thenCombine(config, (c, cfg) -> c || cfg.getRate() == null || cfg.getRate() == 0
                || (cfg.getRate() == limit.count() && cfg.getRateInterval() == limit.period().toMillis()))
                .thenCompose(same -> same ? CompletableFuture.completedFuture((Void) null)
                        : ContainerThreads.call(() -> RedissonVersions.changeRate(limiter, limit.count(), limit.period())))
                .thenRun(() -> remember(name));
    }

    private boolean isKnown(String name) {
        synchronized (known) {
            return known.get(name) != null;
        }
    }

    private void remember(String name) {
        synchronized (known) {
            known.put(name, Boolean.TRUE);
        }
    }

    static boolean notInitialized(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains(NOT_INITIALIZED)) {
                return true;
            }
        }
        return false;
    }
}
