package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisCluster;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Both filters on a real three-master Redis Cluster, configured as users do it: a Redisson YAML
 * ({@code clusterServersConfig}) named by {@code redissonConfig=file:...}. Two app instances (a Jetty
 * and a Tomcat, each with its own Redisson client) keep one budget exactly and run a submission
 * exactly once, and every key of one limiter or lock sits in one hash slot.
 */
@ExtendWith(RedisExtension.class)
class RedisClusterTest {

    private static RedisCluster cluster;

    @BeforeAll
    static void useCluster(RedisCluster started) {
        cluster = started; // started for this class, stopped after it by RedisExtension
    }

    /*
     * deny: a cluster error shows as a 503, never as an extra admission or an extra run. A generous
     * backendTimeout: these tests are about exactness on a cluster, and a 2-core machine running other builds
     * starves single calls past 500 ms (slow calls have their own tests, with a fault proxy).
     */
    private static FilterSpec limiter(String prefix, String... params) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redissonConfig", cluster.redissonConfig()).param("keyPrefix", prefix)
                .param("onBackendFailure", "deny").param("backendTimeout", "5s");
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    private static FilterSpec guard(String prefix, String... params) {
        FilterSpec filter = FilterSpec.of("orders", DoubleSubmitFilter.class)
                .param("redissonConfig", cluster.redissonConfig()).param("keyPrefix", prefix)
                .param("onBackendFailure", "deny").param("backendTimeout", "5s");
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    private static HttpRequest post(TestApp app, String path, byte[] body) {
        return Http.request(app.uri(path), "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    /** Each key, stored on the node that serves its slot: key to that node's port. */
    private static Map<String, Integer> placement(String pattern) throws IOException {
        Map<String, Integer> placed = new HashMap<>();
        for (RedisServer node : cluster.nodes()) {
            try (Resp r = node.connect()) {
                for (String key : r.keys(pattern)) {
                    long slot = (Long) r.call("CLUSTER", "KEYSLOT", key);
                    assertEquals(node.port(), cluster.nodeForSlot(slot).port(), key + " (slot " + slot + ")");
                    placed.put(key, node.port());
                }
            }
        }
        return placed;
    }

    private static long zcard(String key) throws IOException {
        long slot = cluster.keySlot(key);
        try (Resp r = cluster.nodeForSlot(slot).connect()) {
            return (Long) r.call("ZCARD", key);
        }
    }

    @Test
    void twoInstancesAdmitExactlyTheLimitOfOneClientBetweenThem() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet onJetty = new CountingServlet();
        CountingServlet onTomcat = new CountingServlet();
        FilterSpec filter = limiter(prefix, "limits", "50/1m", "key", "ip");
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", onTomcat).start()) {
            List<HttpRequest> requests = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                requests.add(Http.request((i % 2 == 0 ? a : b).uri("/buy")).GET().build());
            }
            List<HttpResponse<String>> answers = Http.sendAll(requests);
            assertEquals(50, answers.stream().filter(r -> r.statusCode() == 200).count());
            assertEquals(150, answers.stream().filter(r -> r.statusCode() == 429).count());
            assertEquals(50, onJetty.hits() + onTomcat.hits());

            Map<String, Integer> keys = placement(prefix + "*");
            assertEquals(1, keys.size(), keys.toString());
            assertEquals(50, zcard(keys.keySet().iterator().next()));
        }
    }

    @Test
    void clientsOnDifferentNodesEachGetExactlyTheirOwnBudget() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet onJetty = new CountingServlet();
        CountingServlet onTomcat = new CountingServlet();
        FilterSpec filter = limiter(prefix, "limits", "10/1m", "key", "header:X-Client");
        int clients = 6;
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", onTomcat).start()) {
            List<HttpRequest> requests = new ArrayList<>();
            for (int i = 0; i < clients * 30; i++) {
                requests.add(Http.request((i % 2 == 0 ? a : b).uri("/buy"), "X-Client", "client-" + i % clients)
                        .GET().build());
            }
            List<HttpResponse<String>> answers = Http.sendAll(requests);
            Map<String, Integer> admitted = new HashMap<>();
            for (HttpResponse<String> r : answers) {
                assertTrue(r.statusCode() == 200 || r.statusCode() == 429, r.statusCode() + " " + r.body());
                if (r.statusCode() == 200) {
                    admitted.merge(r.request().headers().firstValue("X-Client").orElseThrow(), 1, Integer::sum);
                }
            }
            Map<String, Integer> expected = new HashMap<>();
            for (int c = 0; c < clients; c++) {
                expected.put("client-" + c, 10);
            }
            assertEquals(expected, admitted);
            assertEquals(clients * 10, onJetty.hits() + onTomcat.hits());

            Map<String, Integer> keys = placement(prefix + "*");
            assertEquals(clients, keys.size(), keys.toString());
            for (String key : keys.keySet()) {
                assertEquals(10, zcard(key), key);
            }
            assertTrue(new HashSet<>(keys.values()).size() > 1, "keys all on one node: " + keys);
        }
    }

    @Test
    void ofFiftyConcurrentIdenticalSubmitsAcrossTwoInstancesExactlyOneRuns() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        SubmitServlet onJetty = new SubmitServlet();
        SubmitServlet onTomcat = new SubmitServlet();
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard(prefix)).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(guard(prefix)).servlet("/*", onTomcat).start()) {
            for (int round = 1; round <= 10; round++) {
                byte[] body = SubmitServlet.utf8("{\"cart\":\"round-" + round + "\",\"amount\":42}");
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    requests.add(post(i % 2 == 0 ? a : b, "/pay", body));
                }
                List<HttpResponse<String>> answers = Http.sendAll(requests);
                assertEquals(round, onJetty.runs() + onTomcat.runs(), "runs after round " + round);
                assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count(), "round " + round);
                for (HttpResponse<String> r : answers) {
                    assertTrue(r.statusCode() == 201 || r.statusCode() == 409, r.statusCode() + " " + r.body());
                }
            }
            Map<String, Integer> keys = placement(prefix + "*");
            // one completion record per round and its fencing tokens, no lock left
            assertEquals(20, keys.size(), keys.toString());
            keys.keySet().forEach(k -> assertTrue(k.endsWith(":done") || k.endsWith(":fence"), k));
            assertTrue(new HashSet<>(keys.values()).size() > 1, "records all on one node: " + keys);
        }
    }

    @Test
    void inReplayModeAllFiftyConcurrentSubmitsGetTheOneResponse() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        SubmitServlet onJetty = new SubmitServlet();
        SubmitServlet onTomcat = new SubmitServlet();
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard(prefix, "mode", "replay"))
                .servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(guard(prefix, "mode", "replay"))
                     .servlet("/*", onTomcat).start()) {
            for (int round = 1; round <= 5; round++) {
                byte[] body = SubmitServlet.utf8("{\"vote\":" + round + "}");
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    requests.add(post(i % 2 == 0 ? a : b, "/vote", body));
                }
                List<HttpResponse<String>> answers = Http.sendAll(requests);
                assertEquals(round, onJetty.runs() + onTomcat.runs(), "runs after round " + round);
                String first = answers.get(0).body();
                long replayed = 0;
                for (HttpResponse<String> r : answers) {
                    assertEquals(201, r.statusCode(), r.body());
                    assertEquals(first, r.body());
                    replayed += r.headers().firstValue("Idempotent-Replayed").isPresent() ? 1 : 0;
                }
                assertEquals(49, replayed, "round " + round);
            }
        }
    }

    @Test
    void theLockAndTheRecordOfOneSubmissionShareOneSlot() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        HoldingServlet servlet = new HoldingServlet();
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard(prefix)).servlet("/*", servlet).start()) {
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.send(post(a, "/pay", SubmitServlet.utf8("{\"cart\":7}")));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(servlet.entered.await(20, TimeUnit.SECONDS), "the submission never reached the servlet");
            Map<String, Integer> whileRunning = placement(prefix + "*:lock");
            assertEquals(1, whileRunning.size(), whileRunning.toString());
            String lock = whileRunning.keySet().iterator().next();
            String fence = lock.substring(0, lock.length() - ":lock".length()) + ":fence";
            assertEquals(whileRunning.get(lock), placement(fence).get(fence), "the fence beside the lock");
            assertTrue(lock.matches(java.util.regex.Pattern.quote(prefix) + "ds:\\{[^{}]+\\}:lock"), lock);

            servlet.release.countDown();
            assertEquals(201, first.get(30, TimeUnit.SECONDS).statusCode());
            String done = lock.substring(0, lock.length() - ":lock".length()) + ":done";
            Map<String, Integer> after = Conditions.await(() -> placement(prefix + "*"),
                    m -> m.containsKey(done) && !m.containsKey(lock), Duration.ofSeconds(10));
            assertEquals(cluster.keySlot(lock), cluster.keySlot(done));
            assertEquals(whileRunning.get(lock), after.get(done));
        }
    }

    @Test
    void aClientsLimiterIsOneKeyWithAHashTag() throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = limiter(prefix, "limits", "5/1s, 20/1m", "key", "ip");
        try (TestApp a = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", new CountingServlet()).start()) {
            assertEquals(200, Http.get(a.uri("/buy")).statusCode());
            Map<String, Integer> keys = placement(prefix + "*");
            assertEquals(1, keys.size(), keys.toString());
            String key = keys.keySet().iterator().next();
            assertTrue(key.matches(java.util.regex.Pattern.quote(prefix) + "rl:\\{api:[^{}]+\\}"), key);
            String tag = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            assertEquals(cluster.keySlot(tag), cluster.keySlot(key));
        }
    }

    /** Holds the first request in the servlet until released, so the lock can be looked at. */
    static final class HoldingServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        final transient CountDownLatch entered = new CountDownLatch(1);
        final transient CountDownLatch release = new CountDownLatch(1);

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes();
            entered.countDown();
            try {
                if (!release.await(30, TimeUnit.SECONDS)) {
                    resp.sendError(500, "never released");
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            resp.setStatus(201);
            resp.getWriter().write("done");
        }
    }
}
