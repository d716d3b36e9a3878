package io.tollgate.demo.containers;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Several webapps on one Tomcat that runs like its distribution (its own JVM, webapps deployed by the host
 * from {@code webapps/}, autoDeploy), each made from the release bundle's sample web.xml, as
 * docs/deployment.md "One Redis client for many webapps" describes them.
 */
class ManyWebappsIT {

    private static final Container.Kind KIND = Container.Kind.TOMCAT_10_1;
    private static final List<String> APPS = List.of("shop", "blog", "wiki");
    /** What Tomcat writes when a stopped webapp left something behind. */
    private static final List<String> LEAK_REPORTS = List.of("failed to stop", "appears to have started a thread",
            "created a ThreadLocal", "Failed to destroy", "Illegal access", "You need to add");

    /**
     * Three copies of one WAR, Tollgate's bundle in each, default keyPrefix: three budgets and three
     * submission records, though the policy name, the client and the bytes posted are the same.
     */
    @Test
    void threeCopiesOfTheSampleWarKeepThreeBudgets() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "three-budgets-");
            for (String app : APPS) {
                Path dir = LegacyWar.explode(KIND, Files.createDirectories(work.resolve("webapps")).resolve(app));
                limit(dir, "3/1m");
            }
            try (Standalone tomcat = Standalone.start(work, redis, null, null)) {
                for (String app : APPS) {
                    for (int i = 0; i < 3; i++) {
                        assertEquals(200, Http.get(tomcat.uri("/" + app + "/api/quote")).statusCode(), app + " " + i);
                    }
                    assertEquals(429, Http.get(tomcat.uri("/" + app + "/api/quote")).statusCode(), app);
                    assertEquals(201, Http.post(tomcat.uri("/" + app + "/orders/pay"), "{\"pay\":1}",
                            "Content-Type", "text/plain").statusCode(), app + ": the same bytes, another webapp");
                }
                try (Resp resp = redis.connect()) {
                    for (String app : APPS) {
                        assertEquals(1, resp.keys("tollgate:/" + app + ":rl:{api:*").size(), app);
                        assertEquals(1, resp.keys("tollgate:/" + app + ":ds:{*}:done").size(), app);
                    }
                }
            }
        }
    }

    /**
     * Three webapps on one client the server holds: GlobalNamingResources + JndiRedissonFactory, a
     * ResourceLink in each webapp's context.xml, Redisson and its dependencies in Tomcat's lib/ and only
     * tollgate-filter in WEB-INF/lib. Redis sees one client's connections; undeploying one webapp leaves the
     * others limiting on the same client; Tomcat reports no leak and its JVM exits when it stops.
     */
    @Test
    void threeWebappsShareOneClientTheServerHolds() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "jndi-");
            Path serverLib = Files.createDirectories(work.resolve("lib"));
            Path yaml = work.resolve("redisson.yaml");
            Files.writeString(yaml, sharedYaml(redis));
            for (String app : APPS) {
                Path dir = LegacyWar.explode(KIND, Files.createDirectories(work.resolve("webapps")).resolve(app));
                limit(dir, "3/1m");
                serverHoldsRedisson(dir, serverLib, "<param-name>tollgate.redissonJndiName</param-name>\n"
                        + "    <param-value>java:comp/env/redisson/shared</param-value>");
                Files.writeString(Files.createDirectories(dir.resolve("META-INF")).resolve("context.xml"),
                        "<Context>\n  <ResourceLink name=\"redisson/shared\" global=\"redisson/shared\""
                                + " type=\"org.redisson.api.RedissonClient\"/>\n</Context>\n");
            }
            try (Standalone tomcat = Standalone.start(work, redis, serverLib, yaml.toString())) {
                // a client rejected is remembered in process for its Retry-After: the webapps that stay are
                // only used here, and exhausted after the undeploy
                assertLimits(tomcat, "blog");
                for (String app : List.of("shop", "wiki")) {
                    assertEquals(200, Http.get(tomcat.uri("/" + app + "/api/quote")).statusCode(), app);
                }
                assertEquals(3, tomcat.log().split("Tollgate RateLimitFilter \\[api\\] started", -1).length - 1,
                        tomcat.log());
                assertTrue(tomcat.log().contains("Redis client: JNDI [java:comp/env/redisson/shared] (the host's client)"),
                        tomcat.log());
                List<String> clients = clientNames(redis);
                assertTrue(clients.size() <= 5, "one client's connections (4 + 1 for pub/sub at most): " + clients);
                assertEquals(List.of("server-redisson"), clients.stream().distinct().collect(Collectors.toList()));

                LegacyWar.deleteTree(work.resolve("webapps").resolve("blog"));
                Conditions.await(() -> Files.exists(tomcat.removed), r -> r, Duration.ofSeconds(60));
                try (Resp resp = redis.connect()) {
                    resp.call("FLUSHALL");
                }
                assertLimits(tomcat, "shop");
                assertLimits(tomcat, "wiki");
                assertEquals(404, Http.get(tomcat.uri("/blog/api/quote")).statusCode());
                assertFalse(clientNames(redis).isEmpty(), "the shared client is still connected");

                tomcat.stop();
                String log = tomcat.log();
                for (String report : LEAK_REPORTS) {
                    assertFalse(log.contains(report), report + ":\n" + log);
                }
            }
            Conditions.await(() -> redis.otherClients(), n -> n == 0, Duration.ofSeconds(10));
        }
    }

    /**
     * The same on Jetty 12, through the context attribute: the server makes one RedissonClient (Redisson in
     * its class path, only tollgate-filter in each WEB-INF/lib) and sets it on each webapp's context.
     */
    @Test
    void threeWebappsOnJettyShareOneClientLentThroughTheContextAttribute() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "jetty-shared-");
            Path serverLib = Files.createDirectories(work.resolve("lib"));
            Path yaml = work.resolve("redisson.yaml");
            Files.writeString(yaml, sharedYaml(redis));
            List<String> args = new java.util.ArrayList<>(List.of("-", work.toString(), work.resolve("status").toString(),
                    "shared", yaml.toString()));
            for (String app : APPS) {
                Path dir = LegacyWar.explode(Container.Kind.JETTY_12,
                        Files.createDirectories(work.resolve("webapps")).resolve(app));
                limit(dir, "3/1m");
                serverHoldsRedisson(dir, serverLib, "<param-name>tollgate.backendTimeout</param-name>\n"
                        + "    <param-value>500ms</param-value>");
                args.add(dir.toString());
            }
            try (Standalone jetty = Standalone.start(Container.Kind.JETTY_12, work, redis, serverLib, args)) {
                assertLimits(jetty, "blog");
                for (String app : List.of("shop", "wiki")) {
                    assertEquals(200, Http.get(jetty.uri("/" + app + "/api/quote")).statusCode(), app);
                }
                assertTrue(jetty.log().contains(
                        "Redis client: context attribute [io.tollgate.redisson] (the application's client)"), jetty.log());
                List<String> clients = clientNames(redis);
                assertTrue(clients.size() <= 5, "one client's connections (4 + 1 for pub/sub at most): " + clients);
                assertEquals(List.of("server-redisson"), clients.stream().distinct().collect(Collectors.toList()));

                jetty.command("undeploy blog");
                Conditions.await(() -> Files.exists(jetty.removed), r -> r, Duration.ofSeconds(60));
                try (Resp resp = redis.connect()) {
                    resp.call("FLUSHALL");
                }
                assertLimits(jetty, "shop");
                assertLimits(jetty, "wiki");
                assertEquals(404, Http.get(jetty.uri("/blog/api/quote")).statusCode());
                jetty.stop();
            }
            Conditions.await(() -> redis.otherClients(), n -> n == 0, Duration.ofSeconds(10));
        }
    }

    /** The server's one client: its pool is the only one Redis sees. */
    private static String sharedYaml(RedisServer redis) {
        return "singleServerConfig:\n  address: \"" + redis.url() + "\"\n"
                + "  clientName: \"server-redisson\"\n  connectionMinimumIdleSize: 2\n  connectionPoolSize: 4\n"
                + "  subscriptionConnectionMinimumIdleSize: 1\n  subscriptionConnectionPoolSize: 1\n"
                + "  timeout: 1000\n  retryAttempts: 0\nthreads: 2\nnettyThreads: 4\nlazyInitialization: true\n";
    }

    private static void assertLimits(Standalone tomcat, String app) throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(tomcat.uri("/" + app + "/api/quote")).statusCode(), app + " " + i);
        }
        assertEquals(429, Http.get(tomcat.uri("/" + app + "/api/quote")).statusCode(), app);
        assertEquals(201, Http.post(tomcat.uri("/" + app + "/orders/pay"), "{\"pay\":2}", "Content-Type", "text/plain")
                .statusCode(), app);
        assertEquals(409, Http.post(tomcat.uri("/" + app + "/orders/pay"), "{\"pay\":2}", "Content-Type", "text/plain")
                .statusCode(), app);
    }

    /** The sample's 100/1m made small, so that a test reaches the limit quickly. */
    private static void limit(Path app, String limits) throws Exception {
        Path webXml = app.resolve("WEB-INF/web.xml");
        String xml = Files.readString(webXml);
        assertTrue(xml.contains("<param-value>100/1m</param-value>"), xml);
        Files.writeString(webXml, xml.replace("<param-value>100/1m</param-value>", "<param-value>" + limits + "</param-value>"));
    }

    /**
     * deployment.md's recipe: every jar of the bundle's lib/ but tollgate-filter moves to the server's lib/
     * (with lib/optional's SLF4J provider: SLF4J finds it beside its API), and the web.xml's address gives way
     * to {@code clientParam}.
     */
    private static void serverHoldsRedisson(Path app, Path serverLib, String clientParam) throws Exception {
        Path lib = app.resolve("WEB-INF/lib");
        try (Stream<Path> jars = Files.list(lib)) {
            for (Path jar : jars.collect(Collectors.toList())) {
                if (!jar.getFileName().toString().startsWith("tollgate-filter-")) {
                    Path target = serverLib.resolve(jar.getFileName());
                    if (Files.exists(target)) {
                        Files.delete(jar);
                    } else {
                        Files.move(jar, target);
                    }
                }
            }
        }
        Path webXml = app.resolve("WEB-INF/web.xml");
        String xml = Files.readString(webXml);
        String address = "<param-name>tollgate.redisAddress</param-name>\n    <param-value>${REDIS_URL:redis://127.0.0.1:6379}</param-value>";
        assertTrue(xml.contains(address), xml);
        Files.writeString(webXml, xml.replace(address, clientParam));
    }

    /** The name of every connection Redis has besides this test's own. */
    private static List<String> clientNames(RedisServer redis) throws Exception {
        try (Resp resp = redis.connect()) {
            String list = String.valueOf(resp.call("CLIENT", "LIST"));
            return Arrays.stream(list.split("\n")).filter(l -> !l.isBlank() && !l.contains(" cmd=client"))
                    .map(l -> Arrays.stream(l.split(" ")).filter(f -> f.startsWith("name=")).findFirst().orElse("name=")
                            .substring("name=".length()))
                    .collect(Collectors.toList());
        }
    }

    /** TomcatMain's standalone mode in a JVM of its own. */
    static final class Standalone implements AutoCloseable {
        private final Process process;
        private final Path logFile;
        private final int port;
        final Path removed;

        private Standalone(Process process, Path logFile, int port, Path removed) {
            this.process = process;
            this.logFile = logFile;
            this.port = port;
            this.removed = removed;
        }

        static Standalone start(Path work, RedisServer redis, Path serverLib, String redissonYaml) throws Exception {
            List<String> args = new java.util.ArrayList<>(List.of("-", work.toString(), work.resolve("status").toString(),
                    "standalone"));
            if (redissonYaml != null) {
                args.add(redissonYaml);
            }
            return start(KIND, work, redis, serverLib, args);
        }

        static Standalone start(Container.Kind kind, Path work, RedisServer redis, Path serverLib, List<String> args)
                throws Exception {
            Path status = work.resolve("status");
            Path log = work.resolve("container.log");
            Process p = new ProcessBuilder(Container.command(kind, redis.url(), work, serverLib, args.toArray(new String[0])))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            String started = Conditions.await(() -> Files.exists(status) ? Files.readString(status) : "",
                    s -> s.startsWith("PORT ") || !p.isAlive(), Duration.ofSeconds(90));
            if (!started.startsWith("PORT ")) {
                p.destroyForcibly();
                throw new AssertionError("Tomcat did not start:\n" + Files.readString(log));
            }
            return new Standalone(p, log, Integer.parseInt(started.substring("PORT ".length()).trim()),
                    status.resolveSibling("status.removed"));
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        String log() throws Exception {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        }

        /** Writes a line to the launcher's standard input. */
        void command(String line) throws Exception {
            process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().flush();
        }

        /** shutdown.sh: Tomcat stops; nothing may keep the JVM alive. */
        void stop() throws Exception {
            process.getOutputStream().close();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the JVM still runs after Tomcat stopped:\n" + log());
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
