package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.CpuLoad;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Exact while Redis is UP, however loaded the app server (issue 23): two freshly started Tomcats, default
 * settings, one global key limited to 100 an hour, one healthy Redis, the JVM kept busy by
 * {@link CpuLoad}. The first burst of 400 concurrent requests, spread over both, admits exactly 100, and
 * every admitted response carries its own remaining (the {@code r} values are 0 to 99, each once). Each
 * run starts two new Tomcats (new Redis clients, new pools) on an empty Redis.
 *
 * <p>Prints the burst's p99 and longest wait; {@code -Dtollgate.burst.runs=N} sets the runs per
 * algorithm (default 5), {@code -Dtollgate.burst.maxWait=500ms} measures the alternative of refusing a late
 * call at {@code backendTimeout} (it under-admits, and the test fails saying by how much).
 */
class FreshBurstTest {

    private static final int LIMIT = 100;
    private static final int BURST = 400;
    private static final int RUNS = Integer.getInteger("tollgate.burst.runs", 5);
    /** {@code -Dtollgate.burst.maxWait=500ms}: the alternative "refuse a late call at backendTimeout". */
    private static final String MAX_WAIT = System.getProperty("tollgate.burst.maxWait");
    private static final Pattern REMAINING = Pattern.compile(";r=(\\d+)");
    /** Its own client: 400 connections at once, none shared with other tests. */
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(20)).build();

    @ParameterizedTest(name = "algorithm={0}")
    @ValueSource(strings = {"sliding-log", "token-bucket"})
    void theFirstBurstOnTwoFreshInstancesAdmitsExactlyTheLimit(String algorithm) throws Exception {
        List<Burst> bursts = new ArrayList<>();
        try (RedisServer redis = RedisServer.startNew(); CpuLoad load = CpuLoad.saturate()) {
            for (int run = 1; run <= RUNS; run++) {
                try (Resp resp = redis.connect()) {
                    resp.call("FLUSHALL");
                }
                CountingServlet a = new CountingServlet();
                CountingServlet b = new CountingServlet();
                try (TestApp one = app(redis, algorithm, a); TestApp two = app(redis, algorithm, b)) {
                    Burst burst = burst(one, two);
                    burst.servlets = a.hits() + b.hits();
                    List<String> seen = new ArrayList<>();
                    for (ObjectName mbean : ManagementFactory.getPlatformMBeanServer().queryNames(
                            new ObjectName("io.tollgate:type=RateLimitFilter,*"), null)) {
                        seen.add(attribute(mbean, "BackendState") + " late answers " + attribute(mbean, "LateAnswers")
                                + " without Redis " + attribute(mbean, "DecisionsWithoutRedis"));
                        for (Object row : ((javax.management.openmbean.TabularData) ManagementFactory
                                .getPlatformMBeanServer().getAttribute(mbean, "DecisionsWithoutRedis")).values()) {
                            javax.management.openmbean.CompositeData c = (javax.management.openmbean.CompositeData) row;
                            if (!((String) c.get("key")).startsWith("unconfirmed/")) {
                                burst.decidedLocally += (Long) c.get("value");
                            }
                        }
                    }
                    System.out.printf("[FreshBurstTest] %s run %d: %d admitted (limit %d), %d rejected, other %s;"
                            + " p99 %d ms, longest %d ms; instances: %s%n", algorithm, run, burst.admitted, LIMIT,
                            burst.rejected, burst.other, burst.p99, burst.longest, seen);
                    bursts.add(burst);
                }
            }
        }
        TreeSet<Long> expected = new TreeSet<>();
        for (long r = 0; r < LIMIT; r++) {
            expected.add(r);
        }
        for (int run = 1; run <= bursts.size(); run++) {
            Burst burst = bursts.get(run - 1);
            assertEquals(LIMIT, burst.admitted, "admitted in run " + run);
            assertEquals(LIMIT, burst.servlets, "reached the servlets in run " + run);
            assertEquals(BURST - LIMIT, burst.rejected, "rejected in run " + run + "; other answers: " + burst.other);
            assertEquals(burst.remainingSeen.size(), burst.admittedRemaining.size(), "two admitted answers had the"
                    + " same remaining in run " + run + ": " + burst.remainingSeen);
            assertEquals(expected, burst.admittedRemaining, "each admitted answer has its own remaining");
            // Redis stayed UP: nothing was decided per instance (a refusal after maxWait is allowed: it never admits)
            assertEquals(0, burst.decidedLocally, "requests decided without Redis, not refused, in run " + run);
        }
    }

    private static String attribute(ObjectName mbean, String name) throws Exception {
        Object value = ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, name);
        if (value instanceof javax.management.openmbean.TabularData) {
            List<String> rows = new ArrayList<>();
            for (Object row : ((javax.management.openmbean.TabularData) value).values()) {
                javax.management.openmbean.CompositeData c = (javax.management.openmbean.CompositeData) row;
                rows.add(c.get("key") + "=" + c.get("value"));
            }
            return rows.toString();
        }
        return String.valueOf(value);
    }

    static TestApp app(RedisServer redis, String algorithm, CountingServlet servlet) throws Exception {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                .param("algorithm", algorithm).param("key", "global").param("limits", LIMIT + "/1h");
        if (MAX_WAIT != null) { // to measure an alternative (maxWait=500ms: refuse a late call at once)
            filter.param("maxWait", MAX_WAIT);
        }
        return TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", servlet).start();
    }

    /** What one burst got. */
    static final class Burst {
        int admitted;
        int rejected;
        final List<Integer> other = new ArrayList<>();
        final TreeSet<Long> admittedRemaining = new TreeSet<>();
        final List<Long> remainingSeen = new ArrayList<>();
        int servlets;
        long decidedLocally;
        long p99;
        long longest;
    }

    /** {@value #BURST} requests at once, alternating between the two instances. */
    static Burst burst(TestApp one, TestApp two) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        long[] took = new long[BURST];
        long start = System.nanoTime();
        for (int i = 0; i < BURST; i++) {
            TestApp app = i % 2 == 0 ? one : two;
            int n = i;
            HttpRequest request = HttpRequest.newBuilder(app.uri("/")).timeout(Duration.ofSeconds(60)).GET().build();
            futures.add(CLIENT.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> took[n] = System.nanoTime() - start));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        Burst burst = new Burst();
        List<Long> remainingSeen = burst.remainingSeen;
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            HttpResponse<String> r = f.get();
            if (r.statusCode() == 200) {
                burst.admitted++;
                String header = r.headers().firstValue("RateLimit").orElse("");
                Matcher m = REMAINING.matcher(header);
                assertTrue(m.find(), "an admitted answer without RateLimit remaining: [" + header + "]");
                remainingSeen.add(Long.parseLong(m.group(1)));
            } else if (r.statusCode() == 429) {
                burst.rejected++;
                assertTrue(r.headers().firstValue("Retry-After").isPresent(), "a 429 without Retry-After");
            } else {
                burst.other.add(r.statusCode());
            }
        }
        burst.admittedRemaining.addAll(remainingSeen);
        long[] sorted = took.clone();
        Arrays.sort(sorted);
        burst.p99 = TimeUnit.NANOSECONDS.toMillis(sorted[(int) Math.ceil(0.99 * BURST) - 1]);
        burst.longest = TimeUnit.NANOSECONDS.toMillis(sorted[BURST - 1]);
        return burst;
    }
}
