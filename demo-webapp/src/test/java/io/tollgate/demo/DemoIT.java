package io.tollgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.demo.launcher.DemoLauncher;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo as a newcomer meets it: the built WAR, its real web.xml, two Jetty instances on free ports
 * sharing one real Redis, checked over HTTP.
 */
class DemoIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static RedisServer redis;
    private static List<Server> servers;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisServer.startNew();
        servers = DemoLauncher.startAll(2, 0, DemoLauncher.war(), redis.url());
    }

    @AfterAll
    static void stop() throws Exception {
        if (servers != null) {
            for (Server s : servers) {
                s.stop();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    static URI uri(int instance, String path) {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) servers.get(instance).getConnectors()[0])
                .getLocalPort() + path);
    }

    @Test
    void thePageAndTheStatusAreServed() throws Exception {
        HttpResponse<String> page = Http.get(uri(0, "/"));
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>Tollgate demo</title>"));
        assertEquals(200, Http.get(uri(1, "/demo.js")).statusCode());
        JsonNode status = JSON.readTree(Http.get(uri(1, "/api/status")).body());
        assertEquals("B", status.get("instance").asText());
        assertEquals(2, status.get("instances").size());
    }

    @Test
    void theThreeAlgorithmsKeepTheSameLimitSharedByBothInstances() throws Exception {
        for (String algorithm : List.of("sliding-log", "token-bucket", "rratelimiter")) {
            int admitted = 0;
            HttpResponse<String> last = null;
            for (int i = 0; i < 11; i++) {
                last = Http.get(uri(i % 2, "/api/algo/" + algorithm));
                admitted += last.statusCode() == 200 ? 1 : 0;
            }
            // token-bucket gives one back every second: one more may fit if the eleven took that long
            assertTrue(admitted == 10 || algorithm.equals("token-bucket") && admitted == 11, algorithm + ": " + admitted);
            String policy = "\"algo-" + algorithm + "\";q=10;w=10";
            assertEquals(policy, last.headers().firstValue("RateLimit-Policy").orElse(""), algorithm);
        }
        // the token bucket's wait is one refill step (1 s); the logs' is until their oldest permit returns
        HttpResponse<String> bucket = Http.get(uri(0, "/api/algo/token-bucket"));
        assertEquals(429, bucket.statusCode());
        assertEquals("1", bucket.headers().firstValue("Retry-After").orElse(""));
    }

    @Test
    void theApiBudgetIsSharedByBothInstances() throws Exception {
        int admitted = 0;
        HttpResponse<String> last = null;
        for (int i = 0; i < 14; i++) {
            last = Http.get(uri(i % 2, "/api/quote"), "X-Forwarded-For", "ignored: no trusted proxies");
            admitted += last.statusCode() == 200 ? 1 : 0;
        }
        assertEquals(10, admitted);
        assertEquals(429, last.statusCode());
        assertEquals("\"api\";q=10;w=10", last.headers().firstValue("RateLimit-Policy").orElse(""));
        assertTrue(last.headers().firstValue("RateLimit").orElse("").startsWith("\"api\";r=0;t="));
        assertTrue(Long.parseLong(last.headers().firstValue("Retry-After").orElse("0")) >= 1);
        assertEquals("api", JSON.readTree(last.body()).get("policy").asText());
    }

    @Test
    void eachEndpointHasItsOwnBudget() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(uri(i % 2, "/api/items/apple")).statusCode());
        }
        assertEquals(429, Http.get(uri(0, "/api/items/apple")).statusCode());
        HttpResponse<String> pear = Http.get(uri(1, "/api/items/pear"));
        assertEquals(200, pear.statusCode());
        assertTrue(pear.headers().firstValue("RateLimit").orElse("").startsWith("\"per-endpoint\";r=2;"));
    }

    @Test
    void fiveIdenticalOrdersOverTwoInstancesRunOnce() throws Exception {
        int before = ran("reject");
        List<HttpResponse<String>> answers = fiveAtOnce("/orders/reject", "{\"item\":\"book\",\"click\":\"it-1\"}");
        assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count());
        assertEquals(4, answers.stream().filter(r -> r.statusCode() == 409).count());
        assertEquals(before + 1, ran("reject"));
    }

    @Test
    void fiveIdenticalOrdersInReplayModeAllGetTheFirstAnswer() throws Exception {
        int before = ran("replay");
        List<HttpResponse<String>> answers = fiveAtOnce("/orders/replay", "{\"item\":\"book\",\"click\":\"it-2\"}");
        String body = answers.get(0).body();
        for (HttpResponse<String> r : answers) {
            assertEquals(201, r.statusCode());
            assertEquals(body, r.body());
        }
        assertEquals(4, answers.stream().filter(r -> r.headers().firstValue("Idempotent-Replayed").isPresent()).count());
        assertEquals(before + 1, ran("replay"));
    }

    @Test
    void outboundCallsStayUnderTheProvidersLimitAndSpillOverInAChain() throws Exception {
        JsonNode direct = JSON.readTree(Http.get(uri(0, "/api/outbound?mode=direct&seconds=2")).body());
        assertTrue(direct.get("refused429").asLong() > 0, direct.toString());
        JsonNode limited = JSON.readTree(Http.get(uri(0, "/api/outbound?mode=limited&seconds=2")).body());
        assertEquals(0, limited.get("refused429").asLong(), limited.toString());
        assertTrue(limited.get("okPerSecond").asDouble() >= 0.9 * 10, limited.toString());
        JsonNode chain = JSON.readTree(Http.get(uri(1, "/api/outbound?mode=chain&seconds=2")).body());
        assertEquals(0, chain.get("refused429").asLong(), chain.toString());
        assertTrue(chain.get("byProvider").get("beta").asLong() > 0, chain.toString());
        assertTrue(chain.get("okPerSecond").asDouble() >= 0.9 * 20, chain.toString());
    }

    private static List<HttpResponse<String>> fiveAtOnce(String path, String body) throws Exception {
        List<HttpRequest> requests = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            requests.add(Http.request(uri(i % 2, path), "Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        }
        return Http.sendAll(requests);
    }

    private static int ran(String mode) throws Exception {
        int total = 0;
        for (int i = 0; i < 2; i++) {
            total += JSON.readTree(Http.get(uri(i, "/api/status")).body()).get("orders").get(mode).asInt();
        }
        return total;
    }
}
