package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisSentinel;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both filters through Redis Sentinel, configured as users do it: a Redisson YAML
 * ({@code sentinelServersConfig}) named by {@code redissonConfig=file:...}. Redisson asks the sentinel for
 * the master; two app instances (a Jetty and a Tomcat, each with its own client) share it.
 */
@ExtendWith(RedisExtension.class)
class RedisSentinelTest {

    private static RedisSentinel redis;

    @BeforeAll
    static void useSentinel(RedisSentinel started) {
        redis = started; // started for this class, stopped after it by RedisExtension
    }

    /*
     * deny: a backend error shows as a 503, never as an extra admission. A generous backendTimeout, as in
     * RedisClusterTest: these tests are about exactness through Sentinel, and a 2-core machine running other
     * builds starves single calls past 500 ms (slow calls have their own tests, with a fault proxy).
     */
    private static FilterSpec filter(String name, Class<? extends jakarta.servlet.Filter> type, String prefix,
            String... params) {
        FilterSpec filter = FilterSpec.of(name, type).param("redissonConfig", redis.redissonConfig())
                .param("keyPrefix", prefix).param("onBackendFailure", "deny").param("backendTimeout", "5s");
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    @Test
    void twoInstancesAdmitExactlyTheLimitBetweenThem() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet onJetty = new CountingServlet();
        CountingServlet onTomcat = new CountingServlet();
        FilterSpec limiter = filter("api", RateLimitFilter.class, prefix, "limits", "50/1m", "key", "ip");
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(limiter).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(limiter).servlet("/*", onTomcat).start()) {
            List<HttpRequest> requests = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                requests.add(Http.request((i % 2 == 0 ? a : b).uri("/buy")).GET().build());
            }
            List<HttpResponse<String>> answers = Http.sendAll(requests);
            assertEquals(50, answers.stream().filter(r -> r.statusCode() == 200).count());
            assertEquals(150, answers.stream().filter(r -> r.statusCode() == 429).count());
            assertEquals(50, onJetty.hits() + onTomcat.hits());
            try (Resp r = redis.master().connect()) {
                List<String> keys = r.keys(prefix + "*");
                assertEquals(1, keys.size(), keys.toString());
                assertEquals(50L, r.call("ZCARD", keys.get(0)));
            }
        }
    }

    @Test
    void replicaAcksBeyondTheReplicasThatAnswerFailsStartUp() {
        FilterSpec guard = filter("orders", DoubleSubmitFilter.class, RedisExtension.uniquePrefix(),
                "replicaAcks", "1");
        TestApp.StartupFailure failure = org.junit.jupiter.api.Assertions.assertThrows(TestApp.StartupFailure.class,
                () -> TestApp.Kind.JETTY.builder().filter(guard).servlet("/*", new SubmitServlet()).start());
        assertEquals("init-param [replicaAcks] was [1]: only 0 replica(s) acknowledged a write within 2500 ms, so"
                + " every claim would fail (filter [orders])", failure.getMessage());
    }

    @Test
    void ofFiftyConcurrentIdenticalSubmitsAcrossTwoInstancesExactlyOneRuns() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        SubmitServlet onJetty = new SubmitServlet();
        SubmitServlet onTomcat = new SubmitServlet();
        FilterSpec guard = filter("orders", DoubleSubmitFilter.class, prefix);
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(guard).servlet("/*", onTomcat).start()) {
            for (int round = 1; round <= 5; round++) {
                byte[] body = SubmitServlet.utf8("{\"cart\":\"round-" + round + "\"}");
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    requests.add(Http.request((i % 2 == 0 ? a : b).uri("/pay"), "Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
                }
                List<HttpResponse<String>> answers = Http.sendAll(requests);
                assertEquals(round, onJetty.runs() + onTomcat.runs(), "runs after round " + round);
                assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count(), "round " + round);
                for (HttpResponse<String> r : answers) {
                    assertTrue(r.statusCode() == 201 || r.statusCode() == 409, r.statusCode() + " " + r.body());
                }
            }
        }
    }
}
