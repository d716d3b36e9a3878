package io.tollgate;

import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisCluster;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisSentinel;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a Redis failover costs, measured on real processes (see docs/redis-topologies.md, "What a failover
 * costs"): two app instances (a Jetty and a Tomcat, each with its own Redisson client), {@value #ROUNDS}
 * rounds of {@value #CONCURRENT} identical concurrent POSTs (one round every {@code 250 ms}), the Redis failed
 * over on purpose when round {@value #FAILOVER_AT} starts; then every order is sent once more, as a user's
 * retry after the failover. A duplicate is a run of an order beyond its first, wherever it came from: two
 * instances each falling back during the outage, or a record the promoted replica never received.
 *
 * <p>Sentinel: 1 master, 2 replicas, 3 sentinels; the replicas stop receiving writes at round
 * {@value #LAG_FROM} (their replication links black-hole while staying open, as a stalled link does), then
 * the master is killed. Cluster: 3 masters with a replica each; the master of slot 0 is killed. Each prints
 * one line of figures ({@code [FailoverTest] ...}) that the docs quote.
 */
class FailoverTest {

    static final int ROUNDS = 50;
    static final int CONCURRENT = 10;
    static final int FAILOVER_AT = 25;
    static final int LAG_FROM = 20;
    static final Duration PACE = Duration.ofMillis(250);
    /** Long enough that a call starved by a loaded machine is not taken for the failover. */
    static final String BACKEND_TIMEOUT = "2s";

    /** A Redis topology the test can fail over. */
    interface Topology extends AutoCloseable {
        String redissonConfig();

        /** Called when round {@value #LAG_FROM} starts (before the failover). */
        default void beforeFailover() {
        }

        /** Fails the Redis over (on a cluster: the shard of a key starting with {@code keyPrefix}); returns when the new master serves. */
        void failOver(String keyPrefix) throws Exception;

        @Override
        void close();
    }

    static Topology sentinelKillWithLaggingReplicas() throws Exception {
        RedisSentinel sentinel = RedisSentinel.start(2, 3);
        return new Topology() {
            @Override
            public String redissonConfig() {
                return sentinel.redissonConfig();
            }

            @Override
            public void beforeFailover() {
                sentinel.laggingReplicas(true);
            }

            @Override
            public void failOver(String keyPrefix) throws Exception {
                RedisServer old = sentinel.master();
                RedisServer promoted = sentinel.killMaster();
                assertTrue(promoted != old);
            }

            @Override
            public String toString() {
                return "sentinel: master killed, replicas lagging from round " + LAG_FROM;
            }

            @Override
            public void close() {
                sentinel.close();
            }
        };
    }

    static Topology clusterKill() throws Exception {
        RedisCluster cluster = RedisCluster.withReplicas();
        return new Topology() {
            @Override
            public String redissonConfig() {
                return cluster.redissonConfig();
            }

            @Override
            public void failOver(String keyPrefix) throws Exception {
                List<String> keys = cluster.keys(keyPrefix + "*");
                assertTrue(!keys.isEmpty(), "no key of " + keyPrefix + " to fail over");
                long slot = cluster.keySlot(keys.get(0));
                RedisServer old = cluster.nodeForSlot(slot);
                cluster.killMaster(slot);
                cluster.rejoin(old); // the operator brings the node back: it rejoins as the new master's replica
            }

            @Override
            public String toString() {
                return "cluster: a master killed (restarted as a replica once replaced)";
            }

            @Override
            public void close() {
                cluster.close();
            }
        };
    }

    /** Places an order: every run is counted per order (the request body). */
    static final class OrderServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private final transient Map<String, AtomicInteger> runs;

        OrderServlet(Map<String, AtomicInteger> runs) {
            this.runs = runs;
        }

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String order = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int n = runs.computeIfAbsent(order, k -> new AtomicInteger()).incrementAndGet();
            resp.setStatus(201);
            resp.getWriter().write("run " + n + " of " + order);
        }
    }

    /** What one measured run gave. */
    record Figures(String topology, String settings, int duplicates, int duplicatesOnRetry, int unserved,
            long fellBack, long denied, long recoveredMs, long failoverMs, long failedStores) {
        @Override
        public String toString() {
            return String.format("[FailoverTest] %s, %s: %d rounds of %d: duplicates that ran %d (%d of them on the"
                    + " retry after the failover), orders never run %d, requests that fell back %d (of which 503 %d),"
                    + " failover took %d ms, recovered %d ms after it began, records that could not be stored %d",
                    topology, settings, ROUNDS, CONCURRENT, duplicates, duplicatesOnRetry, unserved, fellBack, denied,
                    failoverMs, recoveredMs, failedStores);
        }

        /**
         * With replicaAcks, a submission runs twice only when its record could not be stored (its master died
         * between the servlet's run and the completion, which comes after the response): its lock is then
         * released and a retry runs it. Every duplicate must be one of those.
         */
        void assertEveryDuplicateLostItsRecord() {
            assertTrue(duplicates <= failedStores, "a duplicate whose record was stored: " + this);
        }
    }

    /** Sum of an attribute over the MBeans of every instance of filter {@code name}. */
    static long mbeanSum(String type, String name, String attribute) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        long sum = 0;
        for (ObjectName bean : server.queryNames(new ObjectName("io.tollgate:type=" + type + ",name="
                + ObjectName.quote(name) + ",*"), null)) {
            sum += ((Number) server.getAttribute(bean, attribute)).longValue();
        }
        return sum;
    }

    static final AtomicInteger NAMES = new AtomicInteger();

    /** The measurement: rounds, a failover in the middle, every order once more; see the class comment. */
    static Figures doubleSubmits(Topology topology, String... params) throws Exception {
        String name = "orders-" + NAMES.incrementAndGet();
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec guard = FilterSpec.of(name, DoubleSubmitFilter.class)
                .param("redissonConfig", topology.redissonConfig()).param("keyPrefix", prefix)
                .param("backendTimeout", BACKEND_TIMEOUT).param("window", "10m");
        for (int i = 0; i + 1 < params.length; i += 2) {
            guard.param(params[i], params[i + 1]);
        }
        Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
        long[] fallbacksBefore = new long[ROUNDS + 1];
        long[] roundEnd = new long[ROUNDS];
        long denied = 0;
        long started = 0;
        CompletableFuture<Long> failover = null;
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard).servlet("/*", new OrderServlet(runs)).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(guard).servlet("/*", new OrderServlet(runs)).start()) {
            for (int round = 0; round < ROUNDS; round++) {
                long roundStart = System.nanoTime();
                if (round == LAG_FROM) {
                    topology.beforeFailover();
                }
                if (round == FAILOVER_AT) {
                    started = System.nanoTime();
                    failover = CompletableFuture.supplyAsync(() -> {
                        try {
                            topology.failOver(prefix);
                            return System.nanoTime();
                        } catch (Exception e) {
                            throw new IllegalStateException("the failover did not complete", e);
                        }
                    });
                }
                fallbacksBefore[round] = mbeanSum("DoubleSubmitFilter", name, "FallbackDecisions");
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < CONCURRENT; i++) {
                    requests.add(Http.request((i % 2 == 0 ? a : b).uri("/pay"), "Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(order(round))).build());
                }
                for (HttpResponse<String> r : Http.sendAll(requests)) {
                    int status = r.statusCode();
                    assertTrue(status == 201 || status == 409 || status == 503, "round " + round + ": " + status
                            + " " + r.body());
                    denied += status == 503 ? 1 : 0;
                }
                roundEnd[round] = System.nanoTime();
                long wait = roundStart + PACE.toNanos() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the load's pace, not a time window lined up
                }
            }
            fallbacksBefore[ROUNDS] = mbeanSum("DoubleSubmitFilter", name, "FallbackDecisions");
            long done = failover.get(RedisSentinel.FAILOVER_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
            Map<String, Integer> beforeRetry = new java.util.HashMap<>();
            runs.forEach((k, v) -> beforeRetry.put(k, v.get()));
            // every order once more, on instance B: a user's retry after the failover
            List<HttpRequest> retries = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                retries.add(Http.request(b.uri("/pay"), "Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(order(round))).build());
            }
            for (HttpResponse<String> r : Http.sendAll(retries)) {
                assertTrue(r.statusCode() == 201 || r.statusCode() == 409 || r.statusCode() == 503,
                        r.statusCode() + " " + r.body());
                denied += r.statusCode() == 503 ? 1 : 0;
            }
            long fellBack = mbeanSum("DoubleSubmitFilter", name, "FallbackDecisions");
            // each instance's watch noticed the failover (a master with a new replication id)
            io.tollgate.testing.Conditions.await(() -> mbeanSum("DoubleSubmitFilter", name, "Failovers"),
                    n -> n >= 2, Duration.ofSeconds(30));
            StringBuilder timeline = new StringBuilder();
            for (int round = LAG_FROM; round < ROUNDS; round++) {
                timeline.append(round == FAILOVER_AT ? " |" : " ").append(fallbacksBefore[round + 1] - fallbacksBefore[round])
                        .append('@').append(TimeUnit.NANOSECONDS.toMillis(roundEnd[round] - started));
            }
            System.out.println("[FailoverTest] fallbacks per round from round " + LAG_FROM + " (@ms after the failover"
                    + " began):" + timeline);
            int duplicates = 0;
            int onRetry = 0;
            int unserved = 0;
            for (int round = 0; round < ROUNDS; round++) {
                AtomicInteger n = runs.get(order(round));
                int ran = n == null ? 0 : n.get();
                int before = beforeRetry.getOrDefault(order(round), 0);
                duplicates += Math.max(0, ran - 1);
                onRetry += before > 0 && ran > before ? ran - before : 0;
                unserved += ran == 0 ? 1 : 0;
            }
            // recovered: the end of the last round after the failover began in which a request fell back
            long recovered = started;
            for (int round = FAILOVER_AT; round < ROUNDS; round++) {
                if (fallbacksBefore[round + 1] > fallbacksBefore[round]) {
                    recovered = roundEnd[round];
                }
            }
            // read while both instances (and their MXBeans) still run; with replicaAcks every duplicate should be
            // a record that could not be stored, whose completion may end only at the client's timeout, after
            // the retries: wait for that many (the MXBeans go with the apps, so not after this method)
            boolean acks = List.of(params).contains(DoubleSubmitFilter.PARAM_REPLICA_ACKS);
            int ranTwice = duplicates;
            long failedStores = acks && ranTwice > 0 ? io.tollgate.testing.Conditions.await(
                    () -> mbeanSum("DoubleSubmitFilter", name, "FailedStores"), n -> n >= ranTwice,
                    Duration.ofSeconds(30)) : mbeanSum("DoubleSubmitFilter", name, "FailedStores");
            Figures figures = new Figures(topology.toString(), settings(params), duplicates, onRetry,
                    unserved, fellBack, denied, TimeUnit.NANOSECONDS.toMillis(recovered - started),
                    TimeUnit.NANOSECONDS.toMillis(done - started), failedStores);
            System.out.println(figures);
            return figures;
        }
    }

    static final int LIMIT = 100;
    static final int BATCHES = 30;

    /**
     * Over-admission around a failover: a limit of {@value #LIMIT} per 10 minutes (so nothing expires while the
     * test runs) for the one client, {@value #BATCHES} batches of {@value #CONCURRENT} concurrent GETs over the
     * two instances (one every 250 ms), the failover when batch 5 starts (replicas lagging from batch 3, where
     * the topology does that). Returns the requests admitted beyond the limit.
     */
    static long overAdmission(Topology topology, String... params) throws Exception {
        String name = "api-" + NAMES.incrementAndGet();
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec limiter = FilterSpec.of(name, RateLimitFilter.class)
                .param("redissonConfig", topology.redissonConfig()).param("keyPrefix", prefix)
                .param("backendTimeout", BACKEND_TIMEOUT).param("limits", LIMIT + "/10m").param("key", "global");
        for (int i = 0; i + 1 < params.length; i += 2) {
            limiter.param(params[i], params[i + 1]);
        }
        Map<String, AtomicInteger> ignored = new ConcurrentHashMap<>();
        long admitted = 0;
        long denied = 0;
        StringBuilder timeline = new StringBuilder();
        CompletableFuture<Long> failover = null;
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(limiter).servlet("/*", new OrderServlet(ignored)).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(limiter).servlet("/*", new OrderServlet(ignored))
                     .start()) {
            for (int batch = 0; batch < BATCHES; batch++) {
                long batchStart = System.nanoTime();
                if (batch == 3) {
                    topology.beforeFailover();
                }
                if (batch == 5) {
                    timeline.append(" |");
                    failover = CompletableFuture.supplyAsync(() -> {
                        try {
                            topology.failOver(prefix);
                            return System.nanoTime();
                        } catch (Exception e) {
                            throw new IllegalStateException("the failover did not complete", e);
                        }
                    });
                }
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < CONCURRENT; i++) {
                    requests.add(Http.request((i % 2 == 0 ? a : b).uri("/buy")).GET().build());
                }
                int admittedNow = 0;
                for (HttpResponse<String> r : Http.sendAll(requests)) {
                    int status = r.statusCode();
                    assertTrue(status == 201 || status == 429 || status == 503, "batch " + batch + ": " + status);
                    admittedNow += status == 201 ? 1 : 0;
                    denied += status == 503 ? 1 : 0;
                }
                admitted += admittedNow;
                timeline.append(' ').append(admittedNow);
                long wait = batchStart + PACE.toNanos() - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // the load's pace, not a time window lined up
                }
            }
            failover.get(RedisSentinel.FAILOVER_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);
            long fellBack = mbeanSum("RateLimitFilter", name, "FallbackDecisions");
            long over = admitted - LIMIT;
            System.out.printf("[FailoverTest] %s, rate limit %d/10m, %s: %d requests in %d batches: admitted %d,"
                    + " over-admission %d, requests that fell back %d (of which 503 %d); admitted per batch (| the"
                    + " failover began):%s%n", topology, LIMIT, settings(params), BATCHES * CONCURRENT, BATCHES,
                    admitted, over, fellBack, denied, timeline);
            return over;
        }
    }

    /** {@code a=1, b=2}, or {@code defaults}. */
    static String settings(String... params) {
        List<String> pairs = new ArrayList<>();
        for (int i = 0; i + 1 < params.length; i += 2) {
            pairs.add(params[i] + "=" + params[i + 1]);
        }
        return pairs.isEmpty() ? "defaults" : String.join(", ", pairs);
    }

    static String order(int round) {
        return "{\"order\":" + round + ",\"amount\":42}";
    }

    @Test
    void sentinelWithTheDefaults() throws Exception {
        try (Topology topology = sentinelKillWithLaggingReplicas()) {
            Figures f = doubleSubmits(topology);
            // the records written while the replicas lagged were lost with the master: those orders run again
            assertTrue(f.duplicatesOnRetry() > 0, f.toString());
            assertEquals(0, f.denied(), f.toString());
        }
    }

    @Test
    void clusterWithTheDefaults() throws Exception {
        try (Topology topology = clusterKill()) {
            Figures f = doubleSubmits(topology);
            assertEquals(0, f.denied(), f.toString());
        }
    }

    @Test
    void rateLimitOverAdmissionOnSentinel() throws Exception {
        try (Topology topology = sentinelKillWithLaggingReplicas()) {
            // the permits taken while the replicas lagged were lost with the master: they are spent again
            assertTrue(overAdmission(topology) > 0);
        }
        try (Topology topology = sentinelKillWithLaggingReplicas()) {
            assertTrue(overAdmission(topology, "onBackendFailure", "deny") > 0);
        }
    }

    @Test
    void rateLimitOverAdmissionOnCluster() throws Exception {
        try (Topology topology = clusterKill()) {
            // each instance limits on its own while the shard is down: at most the limit each
            assertTrue(overAdmission(topology) <= 2 * LIMIT);
        }
        try (Topology topology = clusterKill()) {
            // no replica lagged: what is lost is at most the writes in flight at the kill (one batch)
            assertTrue(overAdmission(topology, "onBackendFailure", "deny") <= CONCURRENT);
        }
    }

    @Test
    void aFailoverIsNoticedOnceAndFailoverGraceDeniesClaimsMeanwhile() throws Exception {
        try (RedisSentinel sentinel = RedisSentinel.start(1, 3)) {
            String name = "orders-" + NAMES.incrementAndGet();
            FilterSpec guard = FilterSpec.of(name, DoubleSubmitFilter.class)
                    .param("redissonConfig", sentinel.redissonConfig()).param("keyPrefix", RedisExtension.uniquePrefix())
                    .param("backendTimeout", BACKEND_TIMEOUT).param("failoverGrace", "5m");
            Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(guard).servlet("/*", new OrderServlet(runs)).start()) {
                assertEquals(201, Http.post(app.uri("/pay"), order(1)).statusCode());
                io.tollgate.testing.Conditions.await(() -> mbeanSum("DoubleSubmitFilter", name, "Failovers"),
                        n -> n == 0, Duration.ofSeconds(3)); // watching, nothing noticed
                sentinel.failover();
                io.tollgate.testing.Conditions.await(() -> mbeanSum("DoubleSubmitFilter", name, "Failovers"),
                        n -> n == 1, Duration.ofSeconds(30));
                // within failoverGrace a claim is not trusted to the new master: 503, nothing runs
                HttpResponse<String> during = Http.post(app.uri("/pay"), order(2));
                assertEquals(503, during.statusCode(), during.body());
                assertEquals(null, runs.get(order(2)));
                assertEquals(1, mbeanSum("DoubleSubmitFilter", name, "Failovers"), "noticed once");
            }
        }
    }

    @Test
    void sentinelWithReplicaAcks() throws Exception {
        try (Topology topology = sentinelKillWithLaggingReplicas()) {
            Figures f = doubleSubmits(topology, "replicaAcks", "1", "onBackendFailure", "deny");
            f.assertEveryDuplicateLostItsRecord();
        }
    }

    @Test
    void clusterWithReplicaAcks() throws Exception {
        try (Topology topology = clusterKill()) {
            Figures f = doubleSubmits(topology, "replicaAcks", "1", "onBackendFailure", "deny");
            f.assertEveryDuplicateLostItsRecord();
        }
    }
}
