package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Redis killed, hung (SIGSTOP) and brought back (SIGCONT, or restarted empty) under load: every request
 * is answered within backendTimeout + 100 ms as onBackendFailure says, and protection returns by itself.
 */
class OutageTest {

    private static final int TIMEOUT_MS = 300;
    private static final long BOUND_MS = TIMEOUT_MS + 100;
    private static final int THREADS = 4;
    private static final int PER_THREAD = 25;

    /** One answer: status, whether Redis limited it (headers), how long it took. */
    record Answer(int status, boolean limited, long millis) {
    }

    /** {@code THREADS} clients send {@code PER_THREAD} requests each; bounded in count and in time. */
    static List<Answer> load(java.util.function.IntFunction<HttpRequest> request) throws Exception {
        return load(THREADS, PER_THREAD, request);
    }

    /** {@code threads} clients send {@code perThread} requests each, request {@code i} built by {@code request}. */
    static List<Answer> load(int threads, int perThread, java.util.function.IntFunction<HttpRequest> request)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Answer>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Answer> out = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        long start = System.nanoTime();
                        HttpResponse<String> r = Http.send(request.apply(thread * perThread + i));
                        out.add(new Answer(r.statusCode(), r.headers().firstValue("RateLimit").isPresent(),
                                (System.nanoTime() - start) / 1_000_000));
                    }
                    return out;
                }));
            }
            List<Answer> all = new ArrayList<>();
            for (Future<List<Answer>> f : futures) {
                all.addAll(f.get(60, TimeUnit.SECONDS));
            }
            return all;
        } finally {
            pool.shutdownNow();
        }
    }

    static void assertAnsweredWithin(List<Answer> answers, Set<Integer> statuses) {
        assertEquals(THREADS * PER_THREAD, answers.size());
        long slowest = Collections.max(answers.stream().map(Answer::millis).toList());
        assertTrue(slowest <= BOUND_MS, "slowest request took " + slowest + " ms; bound " + BOUND_MS + " ms");
        for (Answer a : answers) {
            assertTrue(statuses.contains(a.status()), "status " + a.status() + " not in " + statuses);
        }
    }

    static String backendState(String type, String name) throws Exception {
        ObjectName mbean = new ObjectName("io.tollgate:type=" + type + ",webapp=\"/\",name=\"" + name + "\"");
        return (String) ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "BackendState");
    }

    /** An attribute of a filter's MXBean; a table comes back as a map. */
    static Object attribute(String type, String name, String attribute) throws Exception {
        ObjectName mbean = new ObjectName("io.tollgate:type=" + type + ",webapp=\"/\",name=\"" + name + "\"");
        Object value = ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, attribute);
        if (value instanceof javax.management.openmbean.TabularData) {
            java.util.Map<Object, Object> map = new java.util.TreeMap<>();
            for (Object row : ((javax.management.openmbean.TabularData) value).values()) {
                javax.management.openmbean.CompositeData c = (javax.management.openmbean.CompositeData) row;
                map.put(c.get("key"), c.get("value"));
            }
            return map;
        }
        return value;
    }

    static TestApp limiterApp(RedisServer redis, String policy) throws Exception {
        return TestApp.Kind.JETTY.builder().filter(FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", redis.url()).param("limits", "20/1m").param("key", "header:X-Client")
                .param("onBackendFailure", policy).param("backendTimeout", TIMEOUT_MS + "ms"))
                .servlet("/*", new CountingServlet()).start();
    }

    static Set<Integer> duringOutage(String policy) {
        switch (policy) {
            case "deny": return Set.of(503);
            case "local": return Set.of(200, 429);
            default: return Set.of(200);
        }
    }

    /** Checks the phase's answers and, for local, that each instance applied the limit itself. */
    static void assertFallback(String policy, List<Answer> answers) {
        assertAnsweredWithin(answers, duringOutage(policy));
        if (policy.equals("local")) {
            assertEquals(20, answers.stream().filter(a -> a.status() == 200).count());
        }
    }

    /** Waits until Redis limits again: a fresh client gets Redis's headers, and its 21st request is rejected. */
    static void assertEnforcedAgain(TestApp app, String client) throws Exception {
        // traffic goes on: while Redis is down, one request a second tries it
        Conditions.await(() -> {
            Http.get(app.uri("/"), "X-Client", "probe");
            return backendState("RateLimitFilter", "api");
        }, "UP"::equals, Duration.ofSeconds(5));
        int admitted = 0;
        for (int i = 0; i < 21; i++) {
            HttpResponse<String> r = Http.get(app.uri("/"), "X-Client", client);
            admitted += r.statusCode() == 200 ? 1 : 0;
        }
        assertEquals(20, admitted);
    }

    @ParameterizedTest(name = "onBackendFailure={0}")
    @ValueSource(strings = {"allow", "deny", "local"})
    void redisKilledMidLoadThenRestartedEmpty(String policy) throws Exception {
        try (RedisServer redis = RedisServer.startNew(); TestApp app = limiterApp(redis, policy)) {
            List<Answer> before = load(i -> Http.request(app.uri("/"), "X-Client", "before").GET().build());
            assertAnsweredWithin(before, Set.of(200, 429));
            assertEquals(20, before.stream().filter(a -> a.status() == 200).count());

            redis.kill();
            List<Answer> during = load(i -> Http.request(app.uri("/"), "X-Client", "during").GET().build());
            assertFallback(policy, during);
            assertEquals("DOWN", backendState("RateLimitFilter", "api"));

            redis.start(); // the same port, no data: scripts must load again
            long back = System.nanoTime();
            assertEnforcedAgain(app, "after");
            assertTrue(System.nanoTime() - back < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @ParameterizedTest(name = "onBackendFailure={0}")
    @ValueSource(strings = {"allow", "deny", "local"})
    void redisHungMidLoadThenResumed(String policy) throws Exception {
        try (RedisServer redis = RedisServer.startNew(); TestApp app = limiterApp(redis, policy)) {
            assertEquals(200, Http.get(app.uri("/"), "X-Client", "warm").statusCode());
            redis.pause();
            try {
                List<Answer> during = load(i -> Http.request(app.uri("/"), "X-Client", "during").GET().build());
                assertFallback(policy, during);
                assertEquals("DOWN", backendState("RateLimitFilter", "api"));
            } finally {
                redis.resume();
            }
            assertEnforcedAgain(app, "after");
        }
    }

    /**
     * The over-admission bound while Redis is DOWN (killed): two instances, one key limited to 20 a minute,
     * 200 requests spread over both. {@code local}: each instance admits the limit on its own, so at
     * most 2 × 20 (N instances: N × the limit per period); {@code allow}: every request passes.
     */
    @ParameterizedTest(name = "onBackendFailure={0}")
    @ValueSource(strings = {"local", "allow"})
    void overAdmissionWhileDownIsTheLimitPerInstanceForLocalAndEveryRequestForAllow(String policy) throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            CountingServlet a = new CountingServlet();
            CountingServlet b = new CountingServlet();
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                    .param("limits", "20/1m").param("key", "header:X-Key").param("onBackendFailure", policy)
                    .param("backendTimeout", TIMEOUT_MS + "ms");
            try (TestApp one = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", a).start();
                 TestApp two = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", b).start()) {
                int warm = 0;
                for (TestApp app : List.of(one, two)) { // both instances warm: admitted and rejected once
                    while (Http.get(app.uri("/"), "X-Key", "warm").statusCode() == 200) {
                        warm++;
                    }
                }
                redis.kill();
                List<Answer> answers = load(4, 50, i -> Http.request((i % 2 == 0 ? one : two).uri("/"), "X-Key", "all")
                        .GET().build());
                long admitted = answers.stream().filter(x -> x.status() == 200).count();
                long slowest = Collections.max(answers.stream().map(Answer::millis).toList());
                System.out.printf("[OutageTest] Redis down, %s, 2 instances, limit 20/1m, 200 requests: %d admitted"
                        + " (%d over the limit); slowest %d ms%n", policy, admitted, admitted - 20, slowest);
                assertEquals(policy.equals("local") ? 40 : 200, admitted);
                assertEquals(20, warm);
                assertEquals(admitted + warm, a.hits() + b.hits());
                assertTrue(slowest <= BOUND_MS, "slowest request took " + slowest + " ms; bound " + BOUND_MS + " ms");
            }
        }
    }

    @org.junit.jupiter.api.Test
    void rejectionsRememberedInProcessDoNotMakeAHungRedisLookHealthy() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); TestApp app = limiterApp(redis, "allow")) {
            for (int i = 0; i < 21; i++) {
                Http.get(app.uri("/"), "X-Client", "flooder"); // the 21st is rejected and remembered
            }
            redis.pause();
            try {
                // a hung Redis is down once at least half of the recent calls (the flooder's 21 answered ones
                // among them) timed out
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, Http.get(app.uri("/"), "X-Client", "someone-" + i).statusCode());
                }
                assertEquals("DOWN", backendState("RateLimitFilter", "api"));
                // for more than a trial interval, only the remembered client calls
                long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                while (System.nanoTime() < until) {
                    assertEquals(429, Http.get(app.uri("/"), "X-Client", "flooder").statusCode());
                }
                assertEquals("DOWN", backendState("RateLimitFilter", "api"));
                List<Answer> others = load(i -> Http.request(app.uri("/"), "X-Client", "other-" + i).GET().build());
                assertAnsweredWithin(others, Set.of(200));
            } finally {
                redis.resume();
            }
        }
    }

    @ParameterizedTest(name = "onBackendFailure={0}")
    @ValueSource(strings = {"allow", "deny", "local"})
    void doubleSubmitGuardThroughKillHangAndRestart(String policy) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (RedisServer redis = RedisServer.startNew();
             TestApp app = TestApp.Kind.TOMCAT.builder().filter(FilterSpec.of("orders", DoubleSubmitFilter.class)
                     .param("redisAddress", redis.url()).param("onBackendFailure", policy)
                     .param("backendTimeout", TIMEOUT_MS + "ms")).servlet("/*", servlet).start()) {
            byte[] body = SubmitServlet.utf8("{\"order\":1}");
            assertEquals(201, Http.send(post(app, body)).statusCode());
            assertEquals(409, Http.send(post(app, body)).statusCode());

            Set<Integer> fallback = policy.equals("deny") ? Set.of(503) : Set.of(201);
            redis.kill();
            assertAnsweredWithin(load(i -> post(app, SubmitServlet.utf8("{\"killed\":" + i + "}"))), fallback);
            redis.start();
            awaitGuarded(app, "{\"restarted\":1}");

            redis.pause();
            try {
                assertAnsweredWithin(load(i -> post(app, SubmitServlet.utf8("{\"hung\":" + i + "}"))), fallback);
                assertEquals("DOWN", backendState("DoubleSubmitFilter", "orders"));
            } finally {
                redis.resume();
            }
            awaitGuarded(app, "{\"resumed\":1}");
        }
    }

    static HttpRequest post(TestApp app, byte[] body) {
        return Http.request(app.uri("/pay")).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** Within 5 s of Redis answering, a repeat is caught again. */
    static void awaitGuarded(TestApp app, String body) throws Exception {
        long start = System.nanoTime();
        Conditions.await(() -> {
            Http.send(post(app, SubmitServlet.utf8("{\"probe\":" + System.nanoTime() + "}")));
            return backendState("DoubleSubmitFilter", "orders");
        }, "UP"::equals, Duration.ofSeconds(5));
        byte[] b = SubmitServlet.utf8(body);
        assertEquals(201, Http.send(post(app, b)).statusCode());
        assertEquals(409, Http.send(post(app, b)).statusCode());
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5));
    }
}
