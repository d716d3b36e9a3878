package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How many Redis connections and client threads one webapp keeps (docs/deployment.md reports these figures,
 * printed here as {@code FOOTPRINT ...} lines): a Redis of its own per test, so CLIENT LIST counts only this
 * webapp's client; the client's threads are those named {@code redisson*} that the webapp started.
 */
class ConnectionFootprintTest {

    /** Tollgate's target for its own client (issue 18): at most this many connections per webapp at idle. */
    static final int IDLE_CONNECTIONS_TARGET = 4;
    /** ... and at most this many client threads, at idle and under load. */
    static final int CLIENT_THREADS_TARGET = 8;

    @Test
    void aWebappWithBothFiltersKeepsTwoConnectionsAndFewThreadsAtIdle() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (RedisServer redis = RedisServer.startNew(); TestApp app = bothFilters(redis, null, null)) {
            use(app);
            long idleConnections = redis.otherClients();
            int idleThreads = threadsSince(before).size();
            load(app);
            long loadConnections = redis.otherClients();
            int loadThreads = threadsSince(before).size();
            // connections a burst opened close after Redisson's idleConnectionTimeout (10 s unused)
            long idleAgain = Conditions.await(redis::otherClients, n -> n <= 2, Duration.ofSeconds(60));
            System.out.println("FOOTPRINT default pool: idle " + idleConnections + " connections, " + idleThreads
                    + " client threads; under load (" + LOAD + " requests at once) " + loadConnections + " connections, "
                    + loadThreads + " client threads " + threadsSince(before) + "; idle again " + idleAgain + " connections");
            assertEquals(2, idleConnections, "2 connections, none kept for pub/sub");
            assertTrue(idleConnections <= IDLE_CONNECTIONS_TARGET);
            assertTrue(loadConnections <= 64, "at most Redisson's pool size, 64: " + loadConnections);
            assertTrue(idleThreads <= CLIENT_THREADS_TARGET, "client threads at idle: " + threadsSince(before));
            // 4 I/O + 2 worker threads + 1 timer, whatever the core count
            assertTrue(loadThreads <= 7, "client threads under load: " + threadsSince(before));
        }
    }

    @Test
    void aRedissonConfigStatingAPoolKeepsItAndTollgatesDefaultsForWhatItLeavesOut() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path yaml = Files.createTempFile("redisson-", ".yaml");
            Files.writeString(yaml, "singleServerConfig:\n  address: \"" + redis.url() + "\"\n"
                    + "  connectionMinimumIdleSize: 4\n");
            try (TestApp app = bothFilters(redis, "file:" + yaml, null)) {
                use(app);
                assertEquals(4, redis.otherClients(), "the 4 the YAML states, and Tollgate's none for pub/sub");
            } finally {
                Files.delete(yaml);
            }
        }
    }

    @Test
    void aRedissonConfigStatingAPubSubMinimumKeepsIt() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path yaml = Files.createTempFile("redisson-", ".yaml");
            Files.writeString(yaml, "singleServerConfig:\n  address: \"" + redis.url() + "\"\n"
                    + "  subscriptionConnectionMinimumIdleSize: 1\n");
            try (TestApp app = bothFilters(redis, "file:" + yaml, null)) {
                use(app);
                assertEquals(3, redis.otherClients(), "Tollgate's 2, and the 1 for pub/sub the YAML states");
            } finally {
                Files.delete(yaml);
            }
        }
    }

    /** A client the host lends: the webapp opens no connection and starts no thread of its own. */
    @Test
    void aWebappOnTheHostsClientOpensNothingOfItsOwn() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Config config = new Config();
            config.useSingleServer().setAddress(redis.url()).setConnectionMinimumIdleSize(2).setConnectionPoolSize(4)
                    .setSubscriptionConnectionMinimumIdleSize(1);
            RedissonClient host = Redisson.create(config);
            try {
                long hostConnections = redis.otherClients();
                Set<Thread> before = Thread.getAllStackTraces().keySet();
                try (TestApp app = bothFilters(redis, null, host)) {
                    use(app);
                    long idle = redis.otherClients();
                    int idleThreads = threadsSince(before).size();
                    load(app);
                    long connections = redis.otherClients();
                    System.out.println("FOOTPRINT host client: " + hostConnections + " connections before the webapp, "
                            + idle + " at idle after its first requests (" + idleThreads + " client threads started), "
                            + connections + " under its load (" + LOAD + " requests at once); the host client's threads"
                            + " started meanwhile: " + threadsSince(before));
                    assertEquals(hostConnections, idle, "the webapp opened no connection of its own");
                    assertTrue(connections <= 5, "the host client's pool, 4 + 1 at most: " + connections);
                }
            } finally {
                host.shutdown();
            }
        }
    }

    private static TestApp bothFilters(RedisServer redis, String redissonConfig, RedissonClient host) throws Exception {
        TestApp.Builder builder = TestApp.Kind.JETTY.builder()
                .filter(FilterSpec.of("api", RateLimitFilter.class).param("limits", "100000/1m"))
                .filter(FilterSpec.of("orders", DoubleSubmitFilter.class))
                .servlet("/*", new CountingServlet());
        if (host != null) {
            builder.contextAttribute(Tollgate.REDISSON_ATTRIBUTE, host);
        } else if (redissonConfig != null) {
            builder.contextParam("tollgate.redissonConfig", redissonConfig);
        } else {
            builder.contextParam("tollgate.redisAddress", redis.url());
        }
        return builder.start();
    }

    /** A limited GET and a guarded POST: every kind of call the filters make. */
    private static void use(TestApp app) throws Exception {
        assertEquals(200, Http.get(app.uri("/a")).statusCode());
        assertEquals(200, Http.post(app.uri("/b"), "{}", "Content-Type", "text/plain").statusCode());
    }

    /** Requests sent at once by {@link #load}. */
    static final int LOAD = 400;

    /** {@value #LOAD} requests at once, GETs and guarded POSTs, each answered 200. */
    private static void load(TestApp app) throws Exception {
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < LOAD; i++) {
            requests.add(i % 2 == 0 ? Http.request(app.uri("/a")).GET().build()
                    : Http.request(app.uri("/b"), "Content-Type", "text/plain")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build());
        }
        List<HttpResponse<String>> answers = Http.sendAll(requests);
        assertEquals(LOAD, answers.stream().filter(r -> r.statusCode() == 200).count());
    }

    /** The live threads named redisson* that were not running at {@code before}. */
    private static List<String> threadsSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("redisson"))
                .map(Thread::getName).sorted().collect(Collectors.toList());
    }
}
