package io.tollgate.demo.containers;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every supported container keeps, shown by deploying the demo WAR (its real web.xml) in
 * Jetty 12, Tomcat 10.1, Tomcat 11, and Tomcat 9 with the javax.servlet build: the shared limit with its
 * headers and body, one run of identical submits, and a start-up failure naming a bad init-param.
 */
class ContainerContractIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.startNew();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @ParameterizedTest
    @EnumSource(Container.Kind.class)
    void rateLimitDoubleSubmitAndHeaders(Container.Kind kind) throws Exception {
        try (io.tollgate.testing.Resp resp = redis.connect()) {
            resp.call("FLUSHALL");
        }
        try (Container c = Container.deploy(kind, Container.war(kind), redis.url())) {
            HttpResponse<String> first = Http.get(c.uri("/api/quote"));
            assertEquals(200, first.statusCode(), first.body());
            assertEquals("\"api\";q=10;w=10", first.headers().firstValue("RateLimit-Policy").orElse(""));
            assertTrue(first.headers().firstValue("RateLimit").orElse("").startsWith("\"api\";r=9;t="));
            for (int i = 0; i < 9; i++) {
                assertEquals(200, Http.get(c.uri("/api/quote")).statusCode());
            }
            Contract.assertRejectedBy("api", Http.get(c.uri("/api/quote")));
            Contract.assertOneOfFiveIdenticalSubmitsRuns(c.uri("/orders/reject"), "{\"order\":\"" + kind + "\"}");
            int ran = JSON.readTree(Http.get(c.uri("/api/status")).body()).get("orders").get("reject").asInt();
            assertEquals(1, ran);

            List<HttpRequest> replay = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                replay.add(Http.request(c.uri("/orders/replay"), "Content-Type", "text/plain")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"replay\":\"" + kind + "\"}")).build());
            }
            List<HttpResponse<String>> replayed = Http.sendAll(replay);
            for (HttpResponse<String> r : replayed) {
                assertEquals(201, r.statusCode());
                assertEquals(replayed.get(0).body(), r.body());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Container.Kind.class)
    void aBadInitParamStopsTheDeploymentNamingIt(Container.Kind kind) throws Exception {
        // the first 10/10s is the api filter's (the algorithm filters further down keep theirs)
        Path bad = withWebXml(Container.war(kind), xml -> xml.replaceFirst("<param-value>10/10s</param-value>",
                "<param-value>10/x</param-value>"));
        Container.DeployFailed failure = assertThrows(Container.DeployFailed.class,
                () -> Container.deploy(kind, bad, redis.url()).close());
        assertEquals("init-param [limits] was [10/x]: period [x] must be like 1s, 5m, PT1H (filter [api])",
                failure.getMessage());
    }

    /** A copy of the WAR with its web.xml rewritten. */
    static Path withWebXml(Path war, java.util.function.UnaryOperator<String> edit) throws IOException {
        Path out = Files.createTempFile(Files.createDirectories(Container.WORK), "bad-", ".war");
        try (InputStream in = Files.newInputStream(war); ZipInputStream zin = new ZipInputStream(in);
             OutputStream os = Files.newOutputStream(out); ZipOutputStream zout = new ZipOutputStream(os)) {
            ZipEntry e;
            boolean edited = false;
            while ((e = zin.getNextEntry()) != null) {
                byte[] bytes = zin.readAllBytes();
                if (e.getName().equals("WEB-INF/web.xml")) {
                    String xml = new String(bytes, StandardCharsets.UTF_8);
                    String changed = edit.apply(xml);
                    edited = !changed.equals(xml);
                    bytes = changed.getBytes(StandardCharsets.UTF_8);
                }
                zout.putNextEntry(new ZipEntry(e.getName()));
                zout.write(bytes);
                zout.closeEntry();
            }
            if (!edited) {
                throw new IllegalStateException("web.xml of " + war + " did not change");
            }
        }
        return out;
    }
}
