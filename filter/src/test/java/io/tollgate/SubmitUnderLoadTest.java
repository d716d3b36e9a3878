package io.tollgate;

import io.tollgate.testing.CpuLoad;
import io.tollgate.testing.FaultProxy;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisCluster;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Identical submits under load, over two app instances (a Jetty and a Tomcat, each with its own Redis
 * client) sharing one Redis: {@value #CONCURRENT} concurrent identical POSTs a round, {@value #ROUNDS}
 * rounds, the app JVM kept CPU-saturated ({@link CpuLoad}: 2 busy threads per core) during each round.
 * With the default {@code onBackendFailure} the servlet runs exactly once a round, in reject and in replay
 * mode, on one Redis and on a 3-master cluster. With 0 to 2 × backendTimeout of jitter on every Redis
 * response the duplicates that run are bounded: one per instance a round with {@code local}, none with
 * {@code deny}.
 */
@ExtendWith(RedisExtension.class)
class SubmitUnderLoadTest {

    static final int CONCURRENT = 50;
    static final int ROUNDS = 20;
    /** The one public host in front of both instances, as behind a load balancer. */
    static final String HOST = "shop.example";

    /** Two instances of one webapp and what ran on each. */
    record Instances(TestApp a, SubmitServlet servletA, TestApp b, SubmitServlet servletB) implements AutoCloseable {
        static Instances start(FilterSpec spec) throws Exception {
            SubmitServlet sa = new SubmitServlet();
            SubmitServlet sb = new SubmitServlet();
            TestApp a = TestApp.Kind.JETTY.builder().filter(spec).servlet("/*", sa).start();
            try {
                return new Instances(a, sa, TestApp.Kind.TOMCAT.builder().filter(spec).servlet("/*", sb).start(), sb);
            } catch (Exception e) {
                a.close();
                throw e;
            }
        }

        /** {@value #CONCURRENT} identical POSTs at once, every other one to each instance. */
        List<HttpResponse<String>> round(String body) throws Exception {
            List<HttpRequest> requests = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                requests.add(Http.request((i % 2 == 0 ? a : b).uri("/pay"), "Host", HOST,
                        "Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
            }
            return Http.sendAll(requests);
        }

        @Override
        public void close() {
            a.close();
            b.close();
        }
    }

    static FilterSpec guard(String redisParam, String redisValue, String... params) {
        FilterSpec spec = FilterSpec.of("orders", DoubleSubmitFilter.class).param(redisParam, redisValue)
                .param("keyPrefix", RedisExtension.uniquePrefix());
        for (int i = 0; i + 1 < params.length; i += 2) {
            spec.param(params[i], params[i + 1]);
        }
        return spec;
    }

    /** Runs the rounds CPU-saturated; returns the servlet runs of each round. */
    static int[] saturatedRounds(Instances apps, String mode) throws Exception {
        int[] runs = new int[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            int before = apps.servletA().runs() + apps.servletB().runs();
            List<HttpResponse<String>> answers;
            try (CpuLoad load = CpuLoad.saturate()) {
                assertTrue(load.threads() >= 2 * Runtime.getRuntime().availableProcessors());
                answers = apps.round("{\"item\":\"pay\",\"round\":" + round + ",\"at\":" + System.nanoTime() + "}");
            }
            runs[round] = apps.servletA().runs() + apps.servletB().runs() - before;
            int first = 0;
            for (HttpResponse<String> r : answers) {
                if (mode.equals("reject")) {
                    assertTrue(r.statusCode() == 201 || r.statusCode() == 409, r.statusCode() + " " + r.body());
                    first += r.statusCode() == 201 ? 1 : 0;
                } else {
                    assertEquals(201, r.statusCode(), r.body()); // the first's response, or a replay of it
                    first += r.headers().firstValue(DoubleSubmitFilter.REPLAYED_HEADER).isEmpty() ? 1 : 0;
                }
            }
            assertEquals(runs[round], first, "answers that were not repeats, round " + round);
        }
        System.out.printf("[SubmitUnderLoadTest] mode=%s: servlet runs per round %s%n", mode, java.util.Arrays.toString(runs));
        return runs;
    }

    static void assertOncePerRound(int[] runs) {
        for (int round = 0; round < runs.length; round++) {
            assertEquals(1, runs[round], "servlet runs in round " + round + ": " + java.util.Arrays.toString(runs));
        }
    }

    @ParameterizedTest(name = "mode={0}")
    @ValueSource(strings = {"reject", "replay"})
    void fiftyIdenticalPostsOverTwoInstancesRunOnceARoundWhileTheJvmIsSaturated(String mode, RedisServer redis)
            throws Exception {
        try (Instances apps = Instances.start(guard("redisAddress", redis.url(), "mode", mode))) {
            assertOncePerRound(saturatedRounds(apps, mode));
            assertEquals("UP", OutageTest.backendState("DoubleSubmitFilter", "orders"));
        }
    }

    @ParameterizedTest(name = "mode={0}")
    @ValueSource(strings = {"reject", "replay"})
    void theSameOnAThreeMasterCluster(String mode, RedisCluster cluster) throws Exception {
        try (Instances apps = Instances.start(guard("redissonConfig", cluster.redissonConfig(), "mode", mode))) {
            assertOncePerRound(saturatedRounds(apps, mode));
        }
    }

    @ParameterizedTest(name = "onBackendFailure={0}")
    @ValueSource(strings = {"local", "deny"})
    void withJitterOnEveryResponseDuplicatesAreBounded(String policy) throws Exception {
        int timeoutMs = 300;
        int rounds = 10;
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis);
             Instances apps = Instances.start(guard("redisAddress", proxy.url(), "onBackendFailure", policy,
                     "backendTimeout", timeoutMs + "ms"))) {
            proxy.jitter(Duration.ofMillis(2 * timeoutMs));
            int[] perA = new int[rounds];
            int[] perB = new int[rounds];
            for (int round = 0; round < rounds; round++) {
                int a = apps.servletA().runs();
                int b = apps.servletB().runs();
                List<HttpResponse<String>> answers =
                        apps.round("{\"jitter\":" + round + ",\"at\":" + System.nanoTime() + "}");
                perA[round] = apps.servletA().runs() - a;
                perB[round] = apps.servletB().runs() - b;
                // every answer is the servlet's, a duplicate's 409 or (deny only) the fallback's 503
                for (HttpResponse<String> r : answers) {
                    int status = r.statusCode();
                    assertTrue(status == 201 || status == 409 || (policy.equals("deny") && status == 503),
                            "round " + round + " answered " + status + ": " + r.body());
                }
            }
            System.out.printf("[SubmitUnderLoadTest] jitter 0-%d ms, onBackendFailure=%s: runs per round on"
                    + " instance A %s, on instance B %s%n", 2 * timeoutMs, policy,
                    java.util.Arrays.toString(perA), java.util.Arrays.toString(perB));
            for (int round = 0; round < rounds; round++) {
                if (policy.equals("deny")) {
                    assertTrue(perA[round] + perB[round] <= 1, "round " + round + " ran " + (perA[round] + perB[round]));
                } else {
                    assertTrue(perA[round] <= 1 && perB[round] <= 1, "round " + round + ": " + perA[round]
                            + " on A, " + perB[round] + " on B");
                    // local never leaves a submission unserved: Redis's claim or the instance's own lets one run
                    assertTrue(perA[round] + perB[round] >= 1, "round " + round + " ran nothing");
                }
            }
        }
    }

    @Test
    void withoutRedisTheDefaultStillStopsDuplicatesOnEachInstanceAndReplaysThere() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            redis.stop(); // nothing listens
            try (Instances apps = Instances.start(guard("redisAddress", redis.url(), "mode", "replay",
                    "backendTimeout", "300ms"))) {
                List<HttpResponse<String>> answers = apps.round("{\"outage\":1}");
                assertEquals(1, apps.servletA().runs());
                assertEquals(1, apps.servletB().runs());
                for (HttpResponse<String> r : answers) {
                    assertEquals(201, r.statusCode(), r.body());
                }
            }
        }
    }
}
