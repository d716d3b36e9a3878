package io.tollgate.demo.containers;

import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.RedisExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The legacy-WAR user's path: a WAR made by hand from a release bundle (its sample web.xml, one servlet,
 * its lib/) keeps the rate-limit and double-submit contract in every container the README names, each
 * in a JVM of its own: the javax bundle on Tomcat 9 and Jetty 10, the jakarta one on Tomcat 10.1, 11 and
 * Jetty 12.
 */
@ExtendWith(RedisExtension.class)
class LegacyWarIT {

    /** What Tollgate does not need from Redisson's dependencies (docs/deployment.md says why). */
    private static final List<String> LEFT_OUT = List.of("byte-buddy-", "rxjava-", "reactor-core-",
            "reactive-streams-", "jodd-util-", "cache-api-");

    @ParameterizedTest
    @EnumSource(Container.Kind.class)
    void aHandMadeWarFromTheBundleKeepsTheContract(Container.Kind kind, RedisServer redis) throws Exception {
        try (Resp resp = redis.connect()) {
            resp.call("FLUSHALL");
        }
        Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "legacy-" + kind + "-");
        try (Container c = Container.deployAlone(kind, LegacyWar.war(kind, work), redis.url())) {
            assertBothContracts(c, "{\"pay\":\"" + kind + "\"}");

            // the bundle's SLF4J provider puts Tollgate's start-up line in the container's own log
            assertTrue(c.log().contains("Tollgate RateLimitFilter [api] started"), c.log());
        }
    }

    /**
     * A WAR that already ships Redisson 3.x (with Netty 4.1 and the rest of what that release depends on) and
     * its own servlet using it; Tollgate added as INSTALL.md says for that case: {@code tollgate-filter} (and
     * {@code slf4j-jdk14}) only, without Tollgate's Redisson 4.x and Netty 4.2. Both filters keep their
     * contract on the app's Redisson, and the app's own Redisson calls work beside them.
     */
    @ParameterizedTest
    @EnumSource(value = Container.Kind.class, names = {"TOMCAT_10_1", "TOMCAT_9"})
    void aWarThatAlreadyShipsRedisson3KeepsTheContractAndItsOwnRedisCalls(Container.Kind kind, RedisServer redis)
            throws Exception {
        try (Resp resp = redis.connect()) {
            resp.call("FLUSHALL");
        }
        Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "legacy-r3-" + kind + "-");
        Path war = LegacyWar.war(kind, work, LegacyWar.appRedisson3());
        List<String> lib;
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(war))) {
            lib = new java.util.ArrayList<>();
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                if (e.getName().startsWith("WEB-INF/lib/")) {
                    lib.add(e.getName().substring("WEB-INF/lib/".length()));
                }
            }
        }
        // one Redisson, one Netty: the app's
        assertEquals(1, lib.stream().filter(j -> j.startsWith("redisson")).count(), lib.toString());
        assertEquals(1, lib.stream().filter(j -> j.startsWith("netty-common-")).count(), lib.toString());
        assertTrue(lib.stream().anyMatch(j -> j.startsWith("redisson-3.")), lib.toString());
        assertTrue(lib.stream().filter(j -> j.startsWith("netty-")).allMatch(j -> j.contains("-4.1.")), lib.toString());
        try (Container c = Container.deployAlone(kind, war, redis.url()); Resp resp = redis.connect()) {
            HttpResponse<String> own = Http.get(c.uri("/own"));
            assertEquals(200, own.statusCode(), own.body());
            assertEquals("1", own.body());
            assertTrue(own.headers().firstValue("X-Redisson").orElse("").startsWith("3."), own.headers().toString());

            assertBothContracts(c, "{\"pay\":\"r3-" + kind + "\"}");

            assertEquals("2", Http.get(c.uri("/own")).body());
            assertEquals("2", String.valueOf(resp.call("GET", "legacy:own")));
            // the limit was kept in Redis, through the app's Redisson
            assertFalse(resp.keys("*{api:*").isEmpty(), "no rate-limit key in Redis");
            assertTrue(c.log().contains("Tollgate RateLimitFilter [api] started"), c.log());
            assertFalse(c.log().contains("cannot use the Redisson"), c.log());
        }
    }

    /** The sample web.xml's rate limit (100/1m on /api/*, then 429) and one run of five identical POSTs. */
    private static void assertBothContracts(Container c, String order) throws Exception {
        HttpResponse<String> first = Http.get(c.uri("/api/quote"));
        assertEquals(200, first.statusCode(), first.body());
        assertEquals("\"api\";q=100;w=60", first.headers().firstValue("RateLimit-Policy").orElse(""));
        for (int i = 1; i < 100; i++) {
            assertEquals(200, Http.get(c.uri("/api/quote")).statusCode(), "request " + (i + 1));
        }
        Contract.assertRejectedBy("api", Http.get(c.uri("/api/quote")));
        Contract.assertOneOfFiveIdenticalSubmitsRuns(c.uri("/orders/pay"), order);
        assertEquals("1", Http.get(c.uri("/count")).body(), "submits that reached the servlet");
    }

    @ParameterizedTest
    @EnumSource(value = Container.Kind.class, names = "TOMCAT_9")
    void aBadInitParamIsLoggedByTollgateOnceAtError(Container.Kind kind, RedisServer redis) throws Exception {
        Path work = Files.createTempDirectory(Files.createDirectories(Container.WORK), "legacy-bad-" + kind + "-");
        Path war = ContainerContractIT.withWebXml(LegacyWar.war(kind, work),
                xml -> xml.replace("<param-value>100/1m</param-value>", "<param-value>100/x</param-value>"));
        String log;
        try (Container c = Container.deployAlone(kind, war, redis.url())) {
            throw new AssertionError("deployed with limits=100/x");
        } catch (Container.DeployFailed expected) {
            assertEquals("init-param [limits] was [100/x]: period [x] must be like 1s, 5m, PT1H (filter [api])",
                    expected.getMessage());
            log = expected.log;
        }
        String line = "SEVERE: Tollgate RateLimitFilter [api] did not start: init-param [limits] was [100/x]";
        assertEquals(1, log.split(java.util.regex.Pattern.quote(line), -1).length - 1, log);
    }

    @Test
    void eachBundleHoldsTheLighterSetUnder12MB() throws Exception {
        for (boolean javax : new boolean[] {false, true}) {
            Path zip = LegacyWar.bundle(javax);
            List<String> entries = LegacyWar.entries(zip);
            assertTrue(entries.containsAll(List.of("web.xml", "INSTALL.md")), entries.toString());
            long libBytes = 0;
            Set<String> jars = new java.util.TreeSet<>();
            try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(zip))) {
                for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                    String name = e.getName().substring(e.getName().indexOf('/') + 1);
                    if (name.startsWith("lib/")) {
                        jars.add(name.substring("lib/".length()));
                        libBytes += zin.readAllBytes().length;
                    }
                }
            }
            assertTrue(libBytes <= 12L * 1024 * 1024, zip + ": lib/ holds " + libBytes + " bytes");
            for (String jar : jars) {
                assertFalse(LEFT_OUT.stream().anyMatch(jar::startsWith), zip + " holds " + jar);
            }
            String filterJar = "tollgate-filter-" + System.getProperty("tollgate.version") + (javax ? "-javax" : "") + ".jar";
            assertTrue(jars.contains(filterJar), zip + ": " + jars);
            assertEquals(1, jars.stream().filter(j -> j.startsWith("tollgate-filter-")).count(), jars.toString());
        }
    }
}
