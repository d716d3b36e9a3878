package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FaultProxy;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One slow call costs that call alone: with one of the Redis client's pooled connections delayed past
 * backendTimeout and the rest healthy, the requests that waited on it take the fallback ({@code deny}
 * here, so a fallback shows as a 503) and no other request does; the filter stays {@code UP}.
 */
class SlowCallTest {

    private static final int TIMEOUT_MS = 300;
    private static final int THREADS = 8;
    private static final int PER_THREAD = 25;

    static List<OutageTest.Answer> load(IntFunction<HttpRequest> request) throws Exception {
        return OutageTest.load(THREADS, PER_THREAD, request);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"RateLimitFilter", "DoubleSubmitFilter"})
    void onlyRequestsThatWaitedOnTheSlowConnectionTakeTheFallback(String filter) throws Exception {
        boolean limiter = filter.equals("RateLimitFilter");
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis)) {
            FilterSpec spec = (limiter
                    ? FilterSpec.of("f", RateLimitFilter.class).param("limits", "100000/1m").param("key", "header:X-Client")
                    : FilterSpec.of("f", DoubleSubmitFilter.class))
                    .param("redisAddress", proxy.url()).param("onBackendFailure", "deny")
                    .param("backendTimeout", TIMEOUT_MS + "ms");
            IntFunction<HttpRequest> request = i -> limiter
                    ? Http.request(TestAppHolder.app.uri("/"), "X-Client", "c-" + i).GET().build()
                    : Http.request(TestAppHolder.app.uri("/pay")).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"order\":" + i + ",\"at\":" + System.nanoTime() + "}")).build();
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(spec).servlet("/*", new SubmitServlet()).start()) {
                TestAppHolder.app = app;
                load(request); // every pooled connection has carried calls
                proxy.delayOneConnection(Duration.ofMillis(2 * TIMEOUT_MS));
                List<OutageTest.Answer> answers = new ArrayList<>();
                int fellBack = 0;
                // until requests have met the slow connection (a background call may meet it first), at most 5 runs
                for (int run = 0; run < 5 && fellBack == 0; run++) {
                    List<OutageTest.Answer> more = load(request);
                    answers.addAll(more);
                    for (OutageTest.Answer a : more) {
                        if (a.millis() < TIMEOUT_MS) {
                            assertNotEquals(503, a.status(), "answered in " + a.millis() + " ms, yet took the fallback");
                        }
                        fellBack += a.status() == 503 ? 1 : 0;
                    }
                }
                assertTrue(proxy.oneConnectionDelayed());
                System.out.printf("[SlowCallTest] %s: %d of %d requests waited on the slow connection and took"
                        + " the fallback; the rest were answered by Redis%n", filter, fellBack, answers.size());
                assertTrue(fellBack >= 1, "no request met the slow connection");
                assertTrue(fellBack < answers.size() / 2, fellBack + " fell back");
                assertEquals("UP", OutageTest.backendState(filter, "f"));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aBlackHoleIsAnsweredWithinTheBoundAndAfterResetConnectionsProtectionReturns() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis)) {
            FilterSpec spec = FilterSpec.of("f", RateLimitFilter.class).param("limits", "20/1m")
                    .param("key", "header:X-Client").param("redisAddress", proxy.url())
                    .param("onBackendFailure", "deny").param("backendTimeout", TIMEOUT_MS + "ms");
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(spec).servlet("/*", new SubmitServlet()).start()) {
                assertEquals(201, Http.get(app.uri("/"), "X-Client", "warm").statusCode());
                proxy.blackHole(true); // a partition: connections open, nothing gets through
                List<OutageTest.Answer> during = OutageTest.load(i -> Http.request(app.uri("/"), "X-Client", "c-" + i)
                        .GET().build());
                OutageTest.assertAnsweredWithin(during, java.util.Set.of(503));
                assertEquals("DOWN", OutageTest.backendState("RateLimitFilter", "f"));

                proxy.blackHole(false).resetAll(); // the partition heals; the old connections are gone
                long back = System.nanoTime();
                io.tollgate.testing.Conditions.await(() -> {
                    Http.get(app.uri("/"), "X-Client", "probe");
                    return OutageTest.backendState("RateLimitFilter", "f");
                }, "UP"::equals, Duration.ofSeconds(5));
                int admitted = 0;
                for (int i = 0; i < 21; i++) {
                    admitted += Http.get(app.uri("/"), "X-Client", "after").statusCode() == 201 ? 1 : 0;
                }
                assertEquals(20, admitted);
                assertTrue(System.nanoTime() - back < java.util.concurrent.TimeUnit.SECONDS.toNanos(5));
            }
        }
    }

    @org.junit.jupiter.api.Test
    void aBurstRightAfterDeployOnASaturatedJvmIsLimitedAndRedisStaysUp() throws Exception {
        try (RedisServer redis = RedisServer.startNew();
             io.tollgate.testing.CpuLoad load = io.tollgate.testing.CpuLoad.saturate()) {
            FilterSpec spec = FilterSpec.of("f", RateLimitFilter.class).param("limits", "5/1m")
                    .param("key", "header:X-Client").param("redisAddress", redis.url()); // every other setting: default
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(spec).servlet("/*", new SubmitServlet()).start()) {
                List<HttpRequest> burst = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    burst.add(Http.request(app.uri("/"), "X-Client", "burst").GET().build());
                }
                List<HttpResponse<String>> answers = Http.sendAll(burst);
                long admitted = answers.stream().filter(r -> r.statusCode() == 201).count();
                long withHeaders = answers.stream().filter(r -> r.headers().firstValue("RateLimit").isPresent()).count();
                System.out.printf("[SlowCallTest] burst of 30 right after deploy, JVM saturated: %d admitted (limit 5),"
                        + " %d of 30 with rate-limit headers%n", admitted, withHeaders);
                assertTrue(admitted <= 5, admitted + " admitted");
                assertEquals(30, withHeaders, "every answer was decided by a limiter (none passed unchecked)");
                assertEquals("UP", OutageTest.backendState("RateLimitFilter", "f"));
                try (io.tollgate.testing.Resp resp = redis.connect()) {
                    assertEquals(1, resp.keys("tollgate:*").size(), "the client's budget is in Redis");
                }
            }
        }
    }

    /**
     * Exact while Redis is UP: with {@code local} (the default), requests whose answer comes late on the one
     * slow connection wait for it (within maxWait) instead of taking the in-process limiter, so the shared
     * budget admits exactly its count, and requests on the other connections are answered as fast as before
     * the fault.
     */
    @org.junit.jupiter.api.Test
    void oneSlowConnectionAdmitsNothingOverTheSharedBudgetAndFastRequestsStayFast() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis)) {
            FilterSpec spec = FilterSpec.of("f", RateLimitFilter.class).param("limits", "100/1h")
                    .param("key", "header:X-Phase").param("redisAddress", proxy.url())
                    .param("backendTimeout", TIMEOUT_MS + "ms"); // onBackendFailure: local, maxWait: 5s (defaults)
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(spec).servlet("/*", new CountingServlet()).start()) {
                load(i -> Http.request(app.uri("/"), "X-Phase", "warm").GET().build()); // every connection used
                List<OutageTest.Answer> healthy = load(i -> Http.request(app.uri("/"), "X-Phase", "healthy").GET().build());
                assertEquals(100, healthy.stream().filter(a -> a.status() == 200).count());

                long delay = 3 * TIMEOUT_MS;
                proxy.delayOneConnection(Duration.ofMillis(delay));
                List<OutageTest.Answer> fast = new ArrayList<>();
                int late = 0;
                for (int run = 0; run < 5 && late == 0; run++) {
                    String phase = "slow-" + run; // a budget of its own: 100 of 200 requests
                    List<OutageTest.Answer> answers = load(i -> Http.request(app.uri("/"), "X-Phase", phase).GET().build());
                    for (OutageTest.Answer a : answers) {
                        assertTrue(a.limited(), "every answer carries Redis's rate-limit headers");
                        if (a.millis() >= delay) {
                            late++;
                        } else {
                            fast.add(a);
                        }
                    }
                    assertEquals(100, answers.stream().filter(a -> a.status() == 200).count(),
                            "admitted against a budget of 100 (run " + run + ")");
                    assertEquals(100, answers.stream().filter(a -> a.status() == 429).count());
                }
                assertTrue(proxy.oneConnectionDelayed());
                assertTrue(late >= 1, "no request met the slow connection");
                long[] before = percentiles(healthy);
                long[] after = percentiles(fast);
                System.out.printf("[SlowCallTest] local, one connection %d ms late: %d requests waited for their late"
                        + " answer, 0 admitted over the budget; fast-connection requests p50/p90/max %d/%d/%d ms"
                        + " (healthy: %d/%d/%d ms)%n", delay, late, after[0], after[1], after[2], before[0], before[1],
                        before[2]);
                @SuppressWarnings("unchecked")
                java.util.Map<Object, Object> without = (java.util.Map<Object, Object>) OutageTest.attribute(
                        "RateLimitFilter", "f", "DecisionsWithoutRedis");
                System.out.printf("[SlowCallTest] decided without Redis: %s%n", without);
                // a late call is never decided by the in-process limiter while Redis counts as UP
                assertTrue(without.keySet().stream().noneMatch(k -> k.toString().startsWith("local/late")), without.toString());
                assertTrue((Long) OutageTest.attribute("RateLimitFilter", "f", "LateAnswers") >= late);
                // the fast connections do not wait on the slow one: their median stays below backendTimeout
                assertTrue(after[0] < TIMEOUT_MS, "fast-connection median " + after[0] + " ms");
            }
        }
    }

    /** p50, p90 and max of the answers' times. */
    static long[] percentiles(List<OutageTest.Answer> answers) {
        long[] ms = answers.stream().mapToLong(OutageTest.Answer::millis).sorted().toArray();
        return new long[] {ms[ms.length / 2], ms[(int) Math.ceil(0.9 * ms.length) - 1], ms[ms.length - 1]};
    }

    /**
     * A request never waits past maxWait: an answer later than that (one connection 3 s late, maxWait 1 s)
     * is refused with 429 and the rate-limit headers while Redis stays UP (never decided locally).
     */
    @org.junit.jupiter.api.Test
    void aCallLaterThanMaxWaitIsRefusedWithinMaxWait() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis)) {
            FilterSpec spec = FilterSpec.of("f", RateLimitFilter.class).param("limits", "1000/1h")
                    .param("key", "header:X-Client").param("redisAddress", proxy.url())
                    .param("backendTimeout", TIMEOUT_MS + "ms").param("maxWait", "1s");
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(spec).servlet("/*", new CountingServlet()).start()) {
                IntFunction<HttpRequest> request = i -> Http.request(app.uri("/"), "X-Client", "c-" + i).GET().build();
                load(request);
                proxy.delayOneConnection(Duration.ofSeconds(3));
                List<OutageTest.Answer> answers = new ArrayList<>();
                long refused = 0;
                for (int run = 0; run < 10 && refused == 0; run++) {
                    List<OutageTest.Answer> more = load(request);
                    answers.addAll(more);
                    refused = answers.stream().filter(a -> a.status() == 429).count();
                }
                long slowest = answers.stream().mapToLong(OutageTest.Answer::millis).max().orElse(0);
                System.out.printf("[SlowCallTest] maxWait 1s, one connection 3 s late: %d of %d refused unconfirmed;"
                        + " slowest answer %d ms%n", refused, answers.size(), slowest);
                assertTrue(refused >= 1, "no request met the slow connection");
                assertTrue(slowest < 1000 + 500, "slowest answer " + slowest + " ms; maxWait 1000 ms");
                for (OutageTest.Answer a : answers) {
                    // refused when maxWait passed, or at backendTimeout when Redis looked hung (nothing else
                    // answered meanwhile: every waiting request queued on the slow connection)
                    assertTrue(a.status() == 200 || a.status() == 429, "status " + a.status());
                    assertTrue(a.limited(), "every answer carries rate-limit headers");
                }
                assertEquals(java.util.Map.of("unconfirmed/late", refused),
                        OutageTest.attribute("RateLimitFilter", "f", "DecisionsWithoutRedis"));
                assertEquals("UP", OutageTest.backendState("RateLimitFilter", "f"));
            }
        }
    }

    /** The app under test, for the request builders. */
    private static final class TestAppHolder {
        static volatile TestApp app;
    }
}
