package io.tollgate;

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

    @Test
    void aWebappWithBothFiltersKeepsRedissonsDefaultPoolOpen() throws Exception {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        try (RedisServer redis = RedisServer.startNew(); TestApp app = bothFilters(redis, null, null)) {
            use(app);
            long idleConnections = redis.otherClients();
            int idleThreads = threadsSince(before).size();
            load(app);
            long loadConnections = redis.otherClients();
            int loadThreads = threadsSince(before).size();
            System.out.println("FOOTPRINT default pool: idle " + idleConnections + " connections, " + idleThreads
                    + " client threads; under load " + loadConnections + " connections, " + loadThreads + " client threads "
                    + threadsSince(before));
            assertEquals(25, idleConnections, "connections of the webapp: 24 + 1 for pub/sub");
            assertTrue(loadConnections <= 65, "at most 64 + 1 under load: " + loadConnections);
            int cores = Runtime.getRuntime().availableProcessors();
            // Tollgate's own client: max(4, 2 x cores) I/O threads, max(2, cores) workers, one timer
            int most = Math.max(4, 2 * cores) + Math.max(2, cores) + 1;
            assertTrue(idleThreads <= most, "client threads at idle: " + threadsSince(before));
            assertTrue(loadThreads <= most, "client threads under load: " + threadsSince(before));
        }
    }

    @Test
    void aRedissonConfigStatingAPoolKeepsIt() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path yaml = Files.createTempFile("redisson-", ".yaml");
            Files.writeString(yaml, "singleServerConfig:\n  address: \"" + redis.url() + "\"\n"
                    + "  connectionMinimumIdleSize: 4\n");
            try (TestApp app = bothFilters(redis, "file:" + yaml, null)) {
                use(app);
                assertEquals(5, redis.otherClients(), "connections of the webapp: 4 + 1 for pub/sub");
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
                    load(app);
                    long connections = redis.otherClients();
                    System.out.println("FOOTPRINT host client: " + hostConnections + " connections before the webapp, "
                            + connections + " under its load; the host client's threads started meanwhile: " + threadsSince(before));
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

    /** 400 requests at once, GETs and guarded POSTs, each answered 200. */
    private static void load(TestApp app) throws Exception {
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            requests.add(i % 2 == 0 ? Http.request(app.uri("/a")).GET().build()
                    : Http.request(app.uri("/b"), "Content-Type", "text/plain")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build());
        }
        List<HttpResponse<String>> answers = Http.sendAll(requests);
        assertEquals(400, answers.stream().filter(r -> r.statusCode() == 200).count());
    }

    /** The live threads named redisson* that were not running at {@code before}. */
    private static List<String> threadsSince(Set<Thread> before) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.isAlive() && t.getName().startsWith("redisson"))
                .map(Thread::getName).sorted().collect(Collectors.toList());
    }
}
