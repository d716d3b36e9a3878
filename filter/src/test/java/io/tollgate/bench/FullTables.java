package io.tollgate.bench;

import io.tollgate.DoubleSubmitFilter;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.LocalRateLimiter;
import io.tollgate.internal.ratelimit.RejectionMemory;
import io.tollgate.internal.submit.LocalSubmissionGuard;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A guarded request's cost with the in-process tables full (issue 19, item 13): {@link LocalSubmissionGuard}
 * (taken for every guarded request under {@code onBackendFailure=local}) and {@link RejectionMemory}, each
 * filled with 10,000 random keys, against the same table empty. Full, a table must cost O(1) amortised per
 * new key, not a sweep of 10,000 entries each. Run on its own (about a minute):
 * {@code mvn -q -pl filter -Pbench test-compile exec:java -Dbench.main=io.tollgate.bench.FullTables}
 *
 * <p>Two measures. Over HTTP: DoubleSubmitFilter in embedded Jetty with a real Redis, every request a new
 * submission (a unique body), {@code window=1h} so that no record expires during the run; the empty table is a
 * second app warmed alike that never takes 10,000, the full one an app that took 12,000 submissions first. In process: the two tables
 * alone, each new key's cost (a claim and its completion; a rejection remembered), where a sweep per key
 * would show at once. Rounds alternate empty and full, so a slow patch of the machine spreads over both.
 */
public final class FullTables {

    private static final int FULL = 10_000;
    private static final int ROUNDS = Integer.getInteger("bench.rounds", 3);
    private static final int CONNECTIONS = Integer.getInteger("bench.connections", 4);
    private static final long SECONDS = Long.getLong("bench.seconds", 2);

    private FullTables() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("FullTables: " + ROUNDS + " rounds; HTTP " + CONNECTIONS + " connections x " + SECONDS
                + " s per run; in process " + FULL + " random keys fill a table");
        inProcess();
        overHttp();
    }

    /** Nanoseconds per new key for {@code keys} new keys, each its own claim and completion. */
    private static double submissions(LocalSubmissionGuard guard, String prefix, int keys) {
        Duration lease = Duration.ofMinutes(1);
        Duration keep = Duration.ofHours(1);
        byte[] record = new byte[64];
        long start = System.nanoTime();
        for (int i = 0; i < keys; i++) {
            String id = prefix + i;
            guard.claim(id, i, lease).toCompletableFuture().join();
            guard.complete(id, i, record, keep).toCompletableFuture().join();
        }
        return (System.nanoTime() - start) / (double) keys;
    }

    /** Nanoseconds per new key for {@code keys} new clients, each admitted once and then rejected (remembered). */
    private static double rejections(RejectionMemory memory, String prefix, int keys, List<Limit> limits) {
        long start = System.nanoTime();
        for (int i = 0; i < keys; i++) {
            String key = prefix + i;
            memory.tryAcquire(key, limits).toCompletableFuture().join();
            memory.tryAcquire(key, limits).toCompletableFuture().join();
        }
        return (System.nanoTime() - start) / (double) keys;
    }

    private static String random() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong()) + ":";
    }

    private static void inProcess() {
        List<Limit> limits = Limit.parseAll("1/1h");
        int measured = 5_000;
        double[] guardEmpty = new double[ROUNDS];
        double[] guardFull = new double[ROUNDS];
        double[] memoryEmpty = new double[ROUNDS];
        double[] memoryFull = new double[ROUNDS];
        // warm-up: the same work once, not counted
        submissions(new LocalSubmissionGuard(), random(), 2 * FULL);
        rejections(new RejectionMemory(new LocalRateLimiter()), random(), 2 * FULL, limits);
        for (int r = 0; r < ROUNDS; r++) {
            guardEmpty[r] = submissions(new LocalSubmissionGuard(), random(), measured);
            LocalSubmissionGuard full = new LocalSubmissionGuard();
            submissions(full, random(), FULL);
            guardFull[r] = submissions(full, random(), measured);

            memoryEmpty[r] = rejections(new RejectionMemory(new LocalRateLimiter()), random(), measured, limits);
            RejectionMemory fullMemory = new RejectionMemory(new LocalRateLimiter());
            rejections(fullMemory, random(), FULL, limits);
            memoryFull[r] = rejections(fullMemory, random(), measured, limits);
        }
        System.out.println();
        System.out.println("In process, per new key (median of " + ROUNDS + " rounds of " + measured + " keys):");
        System.out.println("| table | empty | full (10,000 random keys) | full / empty |");
        System.out.println("|---|---|---|---|");
        row("LocalSubmissionGuard: claim + complete", median(guardEmpty), median(guardFull));
        row("RejectionMemory: admitted, then rejected and remembered", median(memoryEmpty), median(memoryFull));
    }

    private static void row(String name, double emptyNanos, double fullNanos) {
        System.out.println(String.format(Locale.ROOT, "| %s | %.2f µs | %.2f µs | %.2fx |", name, emptyNanos / 1000,
                fullNanos / 1000, fullNanos / emptyNanos));
    }

    private static TestApp submitApp(RedisServer redis) throws TestApp.StartupFailure {
        // onBackendFailure=local (the default): the in-process guard is taken for every guarded request
        return TestApp.Kind.JETTY.builder().filter(FilterSpec.of("submit", DoubleSubmitFilter.class)
                .param("redisAddress", redis.url()).param("keyPrefix", "bench-" + random()).param("window", "1h"))
                .servlet("/*", new OkServlet()).start();
    }

    /** One timed run; {@code load} is the app's own, so that each run's bodies differ from its earlier ones'. */
    private static HttpLoad.Result run(HttpLoad load, long nanos) throws Exception {
        HttpLoad.Result result = load.open("/submit", true, false).go(nanos);
        if (result.errors > 0 || result.statuses[200] != result.requests) {
            StringBuilder statuses = new StringBuilder();
            for (int s = 0; s < result.statuses.length; s++) {
                if (result.statuses[s] > 0) {
                    statuses.append(' ').append(s).append(" x").append(result.statuses[s]);
                }
            }
            throw new IllegalStateException(result.requests + " requests:" + statuses + ", " + result.errors + " errors");
        }
        return result;
    }

    private static void overHttp() throws Exception {
        List<long[]> empty = new ArrayList<>();
        List<long[]> full = new ArrayList<>();
        long emptyRequests = 0;
        long fullRequests = 0;
        long emptyNanos = 0;
        long fullNanos = 0;
        long seconds = java.util.concurrent.TimeUnit.SECONDS.toNanos(SECONDS);
        try (RedisServer redis = RedisServer.startNew(); TestApp filled = submitApp(redis);
             TestApp emptied = submitApp(redis)) {
            HttpLoad filledLoad = new HttpLoad(filled.port(), CONNECTIONS);
            HttpLoad emptyLoad = new HttpLoad(emptied.port(), CONNECTIONS);
            // both apps warmed alike (connections, their Redis clients); then one takes 12,000 submissions
            long emptyTaken = run(emptyLoad, seconds / 2).requests;
            long taken = run(filledLoad, seconds / 2).requests;
            while (taken < FULL + 2_000) {
                taken += run(filledLoad, seconds).requests;
            }
            System.out.println();
            System.out.println("HTTP: the full app took " + taken + " submissions first (its table holds "
                    + LocalSubmissionGuard.MAX_ENTRIES + ")");
            for (int r = 0; r < ROUNDS; r++) {
                HttpLoad.Result e = run(emptyLoad, seconds);
                empty.add(e.latencyNanos);
                emptyRequests += e.requests;
                emptyNanos += e.elapsedNanos;
                emptyTaken += e.requests;
                HttpLoad.Result f = run(filledLoad, seconds);
                full.add(f.latencyNanos);
                fullRequests += f.requests;
                fullNanos += f.elapsedNanos;
            }
            System.out.println("HTTP: the other app took " + emptyTaken + " submissions in all"
                    + (emptyTaken >= LocalSubmissionGuard.MAX_ENTRIES ? ": its table filled too, lower -Dbench.seconds"
                    : ": its table was never full"));
        }
        long[] e = concat(empty);
        long[] f = concat(full);
        System.out.println("HTTP, DoubleSubmitFilter, every request a new submission (" + ROUNDS + " rounds):");
        System.out.println("| in-process table | requests/s | p50 | p99 |");
        System.out.println("|---|---|---|---|");
        httpRow("not full (under 10,000 submissions)", emptyRequests, emptyNanos, e);
        httpRow("full (10,000 submissions)", fullRequests, fullNanos, f);
        System.out.println(String.format(Locale.ROOT, "full / empty: p50 %.2fx, p99 %.2fx, requests/s %.2fx",
                pct(f, 0.50) / (double) pct(e, 0.50), pct(f, 0.99) / (double) pct(e, 0.99),
                (fullRequests / (double) fullNanos) / (emptyRequests / (double) emptyNanos)));
    }

    private static void httpRow(String name, long requests, long nanos, long[] latencies) {
        System.out.println(String.format(Locale.ROOT, "| %s | %.0f | %.2f ms | %.2f ms |", name,
                requests / (nanos / 1e9), pct(latencies, 0.50) / 1e6, pct(latencies, 0.99) / 1e6));
    }

    private static long[] concat(List<long[]> parts) {
        long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        return all;
    }

    private static long pct(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }

    private static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
