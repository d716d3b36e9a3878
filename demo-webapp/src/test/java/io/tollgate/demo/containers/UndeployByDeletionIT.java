package io.tollgate.demo.containers;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's undeploy: a legacy WAR deployed as a folder in a Tomcat that runs like its distribution
 * (autoDeploy, its own JVM), used, left idle until Tomcat has closed the webapp's jars, then its folder
 * deleted. Tomcat undeploys it without a "failed to stop" thread warning, Redis is left with no
 * connection of it, and the JVM exits once Tomcat is stopped.
 */
class UndeployByDeletionIT {

    private static final Container.Kind KIND = Container.Kind.TOMCAT_10_1;

    @Test
    void deletingAnIdleExplodedWebappLeavesNothingAndTheJvmExits() throws Exception {
        try (RedisServer redis = RedisServer.startNew()) {
            Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "undeploy-");
            Path app = LegacyWar.explode(KIND, Files.createDirectories(work.resolve("webapps")).resolve("app"));
            Path status = work.resolve("status");
            Path log = work.resolve("container.log");
            Process tomcat = new ProcessBuilder(Container.command(KIND, redis.url(), work,
                    "-", work.toString(), status.toString(), "standalone"))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            try {
                String started = Conditions.await(() -> Files.exists(status) ? Files.readString(status) : "",
                        s -> s.startsWith("PORT ") || !tomcat.isAlive(), Duration.ofSeconds(60));
                assertTrue(started.startsWith("PORT "), Files.readString(log));
                String base = "http://127.0.0.1:" + started.substring("PORT ".length()).trim() + "/app";
                assertEquals(200, Http.get(URI.create(base + "/api/quote")).statusCode(), Files.readString(log));
                assertEquals(201, Http.post(URI.create(base + "/orders/pay"), "{}", "Content-Type", "text/plain")
                        .statusCode());
                assertTrue(redis.otherClients() > 0, "the webapp is connected to Redis");

                // idle: Tomcat closes the webapp's jar files once they are unused (as after ~30 s in production)
                Path lib = app.resolve("WEB-INF/lib");
                Conditions.await(() -> openFilesUnder(tomcat.pid(), lib), List::isEmpty, Duration.ofSeconds(90));
                LegacyWar.deleteTree(app);
                Path removed = status.resolveSibling("status.removed");
                Conditions.await(() -> Files.exists(removed), r -> r, Duration.ofSeconds(60));

                String text = Files.readString(log, StandardCharsets.UTF_8);
                assertFalse(text.contains("failed to stop"), text);
                assertFalse(text.contains("Failed to destroy"), text);
                assertFalse(text.contains("Illegal access"), text);
                Conditions.await(() -> redis.otherClients(), n -> n == 0, Duration.ofSeconds(10));

                tomcat.getOutputStream().close(); // shutdown.sh: Tomcat stops, nothing keeps the JVM alive
                assertTrue(tomcat.waitFor(30, TimeUnit.SECONDS), "the JVM still runs after Tomcat stopped:\n"
                        + Files.readString(log));
            } finally {
                tomcat.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** The files under {@code dir} that process {@code pid} holds open (Linux: /proc/PID/fd). */
    private static List<String> openFilesUnder(long pid, Path dir) throws IOException {
        Path fds = Paths.get("/proc/" + pid + "/fd");
        if (!Files.isDirectory(fds)) {
            return List.of(); // no /proc: cannot tell; deleting at once is the easier case (open jars stay readable)
        }
        try (Stream<Path> all = Files.list(fds)) {
            return all.map(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString();
                } catch (IOException e) {
                    return ""; // closed meanwhile
                }
            }).filter(target -> target.startsWith(dir.toAbsolutePath().toString())).collect(Collectors.toList());
        }
    }
}
