package io.tollgate;

import io.tollgate.testing.Conditions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.AsyncSubmitServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DoubleSubmitFilter over real HTTP, in Jetty 12 and Tomcat 11, against a real Redis. */
@ExtendWith(RedisExtension.class)
class DoubleSubmitFilterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static FilterSpec guard(RedisServer redis, String prefix, String... params) {
        FilterSpec filter = FilterSpec.of("orders", DoubleSubmitFilter.class)
                .param("redisAddress", redis.url()).param("keyPrefix", prefix);
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    static TestApp app(TestApp.Kind kind, RedisServer redis, HttpServlet servlet, String... params) throws Exception {
        return kind.builder().filter(guard(redis, RedisExtension.uniquePrefix(), params)).servlet("/*", servlet).start();
    }

    static HttpRequest post(URI uri, byte[] body, String... headers) {
        return Http.request(uri, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return Http.send(request);
    }

    static String title(HttpResponse<String> r) throws IOException {
        JsonNode body = JSON.readTree(r.body());
        return body.get("title").asText();
    }

    @Test
    void ofFiftyConcurrentIdenticalSubmitsAcrossTwoInstancesExactlyOneRuns(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        SubmitServlet onJetty = new SubmitServlet();
        SubmitServlet onTomcat = new SubmitServlet();
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard(redis, prefix)).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(guard(redis, prefix)).servlet("/*", onTomcat).start()) {
            for (int round = 1; round <= 20; round++) {
                byte[] body = SubmitServlet.utf8("{\"cart\":\"round-" + round + "\",\"amount\":42}");
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    requests.add(post((i % 2 == 0 ? a : b).uri("/pay"), body, "Content-Type", "application/json"));
                }
                List<HttpResponse<String>> answers = Http.sendAll(requests);
                assertEquals(round, onJetty.runs() + onTomcat.runs(), "runs after round " + round);
                long created = answers.stream().filter(r -> r.statusCode() == 201).count();
                assertEquals(1, created, "round " + round);
                for (HttpResponse<String> r : answers) {
                    if (r.statusCode() != 201) {
                        assertEquals(409, r.statusCode());
                        assertEquals("Duplicate submission", title(r));
                        assertEquals("application/problem+json", r.headers().firstValue("Content-Type").orElse(""));
                    }
                }
            }
        }
    }

    @Test
    void inReplayModeEveryRepeatGetsTheFirstResponse(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        SubmitServlet onJetty = new SubmitServlet();
        SubmitServlet onTomcat = new SubmitServlet();
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(guard(redis, prefix, "mode", "replay"))
                .servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(guard(redis, prefix, "mode", "replay"))
                     .servlet("/*", onTomcat).start()) {
            for (int round = 1; round <= 20; round++) {
                byte[] body = SubmitServlet.utf8("vote=" + round);
                List<HttpRequest> requests = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    requests.add(post((i % 2 == 0 ? a : b).uri("/vote"), body, "Content-Type", "text/plain"));
                }
                List<HttpResponse<String>> answers = Http.sendAll(requests);
                assertEquals(round, onJetty.runs() + onTomcat.runs(), "runs after round " + round);
                String first = null;
                int replayed = 0;
                for (HttpResponse<String> r : answers) {
                    assertEquals(201, r.statusCode(), r.body());
                    first = first == null ? r.body() : first;
                    assertEquals(first, r.body());
                    assertEquals("text/plain;charset=utf-8", r.headers().firstValue("Content-Type").orElse("")
                            .replace(" ", "").toLowerCase(java.util.Locale.ROOT));
                    if (r.headers().firstValue("Idempotent-Replayed").isPresent()) {
                        replayed++;
                        assertEquals("true", r.headers().firstValue("Idempotent-Replayed").get());
                        assertNull(r.headers().firstValue("Set-Cookie").orElse(null));
                        assertTrue(r.headers().firstValue("X-Order").isPresent());
                    }
                }
                assertEquals(49, replayed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aReplayKeepsTheHeadersEarlierFiltersSetForTheRepeat(TestApp.Kind kind, RedisServer redis) throws Exception {
        TestApp.Builder b = kind.builder().filter(FilterSpec.of("cors", io.tollgate.testing.OriginEchoFilter.class))
                .filter(guard(redis, RedisExtension.uniquePrefix(), "mode", "replay"))
                .servlet("/*", new SubmitServlet());
        try (TestApp app = b.start()) {
            byte[] body = SubmitServlet.utf8("{\"pay\":3}");
            HttpResponse<String> first = send(post(app.uri("/pay"), body, "Origin", "http://a.example"));
            assertEquals(List.of("http://a.example"), first.headers().allValues("Access-Control-Allow-Origin"));
            HttpResponse<String> repeat = send(post(app.uri("/pay"), body, "Origin", "http://b.example"));
            assertEquals("true", repeat.headers().firstValue("Idempotent-Replayed").orElse(null));
            assertEquals(first.body(), repeat.body());
            assertEquals(List.of("http://b.example"), repeat.headers().allValues("Access-Control-Allow-Origin"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aRepeatAfterTheWindowRunsAgain(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet, "window", "1s")) {
            byte[] body = SubmitServlet.utf8("{\"pay\":1}");
            assertEquals(201, send(post(app.uri("/pay"), body)).statusCode());
            assertEquals(409, send(post(app.uri("/pay"), body)).statusCode());
            HttpResponse<String> again = Conditions.await(() -> send(post(app.uri("/pay"), body)),
                    r -> r.statusCode() != 409, Duration.ofSeconds(5));
            assertEquals(201, again.statusCode());
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aKeyReusedWithAnotherBodyGets422(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet)) {
            byte[] body = SubmitServlet.utf8("{\"amount\":10}");
            assertEquals(201, send(post(app.uri("/pay"), body, "Idempotency-Key", "\"k-1\"")).statusCode());
            HttpResponse<String> same = send(post(app.uri("/pay"), body, "Idempotency-Key", "k-1"));
            assertEquals(409, same.statusCode());
            HttpResponse<String> other = send(post(app.uri("/pay"), SubmitServlet.utf8("{\"amount\":99}"),
                    "Idempotency-Key", "k-1"));
            assertEquals(422, other.statusCode());
            assertEquals("application/problem+json", other.headers().firstValue("Content-Type").orElse(""));
            assertEquals(422, JSON.readTree(other.body()).get("status").asInt());
            // another key is another operation, even with the same body
            assertEquals(201, send(post(app.uri("/pay"), body, "Idempotency-Key", "k-2")).statusCode());
            assertEquals(2, servlet.runs());
            HttpResponse<String> bad = send(post(app.uri("/pay"), body, "Idempotency-Key", "x".repeat(256)));
            assertEquals(400, bad.statusCode());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aKeyIsScopedToItsClient(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet, "client", "header:X-Client")) {
            byte[] body = SubmitServlet.utf8("{}");
            assertEquals(201, send(post(app.uri("/pay"), body, "Idempotency-Key", "k", "X-Client", "ann")).statusCode());
            assertEquals(201, send(post(app.uri("/pay"), body, "Idempotency-Key", "k", "X-Client", "bob")).statusCode());
            assertEquals(409, send(post(app.uri("/pay"), body, "Idempotency-Key", "k", "X-Client", "bob")).statusCode());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void bodiesReachTheServletByteForByte(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet, "maxBodyBytes", "256KB")) {
            byte[] binary = new byte[200_000];
            new Random(7).nextBytes(binary);
            HttpResponse<String> r = send(post(app.uri("/raw"), binary, "Content-Type", "application/octet-stream"));
            assertEquals(201, r.statusCode());
            assertTrue(r.body().endsWith("sha256=" + SubmitServlet.sha256(binary) + " length=200000"), r.body());
            assertEquals(409, send(post(app.uri("/raw"), binary, "Content-Type", "application/octet-stream"))
                    .statusCode());

            String text = "{\"name\":\"Zoë 🙂\"}";
            HttpResponse<String> t = send(post(app.uri("/text"), SubmitServlet.utf8(text),
                    "Content-Type", "application/json; charset=UTF-8"));
            assertEquals(201, t.statusCode());
            assertTrue(t.body().endsWith("text=" + text), t.body());

            // above maxBodyBytes: not fingerprinted, so not guarded, and still intact
            byte[] large = new byte[300_000];
            new Random(8).nextBytes(large);
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> l = send(post(app.uri("/raw"), large, "Content-Type", "application/octet-stream"));
                assertEquals(201, l.statusCode());
                assertTrue(l.body().endsWith("sha256=" + SubmitServlet.sha256(large) + " length=300000"), l.body());
            }
            // the same with no Content-Length (chunked): read ahead up to the limit, then streamed through
            HttpRequest chunked = Http.request(app.uri("/raw"), "Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(large)))
                    .build();
            HttpResponse<String> c = send(chunked);
            assertEquals(201, c.statusCode());
            assertTrue(c.body().endsWith("sha256=" + SubmitServlet.sha256(large) + " length=300000"), c.body());
            assertEquals(5, servlet.runs()); // the repeat of the binary body did not run
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void formFieldsReachGetParameterAndIdenticalFormsAreRepeats(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet)) {
            byte[] form = SubmitServlet.utf8("item=book&qty=2&note=caf%C3%A9+%26+tea");
            HttpResponse<String> r = send(post(app.uri("/order/form?src=web"), form,
                    "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"));
            assertEquals(201, r.statusCode());
            assertTrue(r.body().endsWith("form={item=book, note=café & tea, qty=2, src=web}"), r.body());
            assertEquals(409, send(post(app.uri("/order/form?src=web"), form,
                    "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")).statusCode());
            HttpResponse<String> other = send(post(app.uri("/order/form?src=web"), SubmitServlet.utf8("item=book&qty=3"),
                    "Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"));
            assertEquals(201, other.statusCode());
            assertTrue(other.body().endsWith("form={item=book, qty=3, src=web}"), other.body());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aFormsRawBodyReachesAServletThatReadsTheStream(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet)) {
            byte[] form = SubmitServlet.utf8("item=book&qty=2&note=caf%C3%A9");
            HttpResponse<String> r = send(post(app.uri("/order/raw"), form,
                    "Content-Type", "application/x-www-form-urlencoded"));
            assertEquals(201, r.statusCode());
            assertTrue(r.body().endsWith("sha256=" + SubmitServlet.sha256(form) + " length=" + form.length), r.body());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aFormOfUnknownLengthIsLeftToTheContainer(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet)) {
            byte[] form = SubmitServlet.utf8("item=book&qty=2");
            for (int i = 0; i < 2; i++) {
                HttpRequest chunked = Http.request(app.uri("/order/form"), "Content-Type",
                        "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofInputStream(
                                () -> new java.io.ByteArrayInputStream(form))).build();
                HttpResponse<String> r = send(chunked);
                assertEquals(201, r.statusCode()); // not read, so not fingerprinted: both run
                assertTrue(r.body().endsWith("form={item=book, qty=2}"), r.body());
            }
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aResponseWrittenPastTheCaptureIsNotReplayedEmpty(TestApp.Kind kind, RedisServer redis) throws Exception {
        AsyncSubmitServlet servlet = new AsyncSubmitServlet(); // startAsync() without arguments
        servlet.release();
        try (TestApp app = app(kind, redis, servlet, "mode", "replay")) {
            byte[] body = SubmitServlet.utf8("{\"async\":\"replay\"}");
            HttpResponse<String> first = send(post(app.uri("/pay"), body));
            assertEquals(200, first.statusCode());
            assertEquals("order 1", first.body());
            // written through startAsync()'s own response, the body never reached the capture: no empty replay
            HttpResponse<String> repeat = send(post(app.uri("/pay"), body));
            assertEquals(409, repeat.statusCode());
            assertEquals("Duplicate submission", title(repeat));
            assertEquals(1, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void formsParsedByAnEarlierFilterAreStillToldApart(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        TestApp.Builder b = kind.builder().filter(FilterSpec.of("reads-params", io.tollgate.testing.ParamReadingFilter.class))
                .filter(guard(redis, RedisExtension.uniquePrefix())).servlet("/*", servlet);
        try (TestApp app = b.start()) {
            String type = "application/x-www-form-urlencoded";
            assertEquals(201, send(post(app.uri("/order/form"), SubmitServlet.utf8("item=book&qty=1"), "Content-Type", type)).statusCode());
            assertEquals(409, send(post(app.uri("/order/form"), SubmitServlet.utf8("item=book&qty=1"), "Content-Type", type)).statusCode());
            HttpResponse<String> other = send(post(app.uri("/order/form"), SubmitServlet.utf8("item=book&qty=5"), "Content-Type", type));
            assertEquals(201, other.statusCode());
            assertTrue(other.body().endsWith("form={item=book, qty=5}"), other.body());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void otherMethodsAndExcludedPathsAreNotGuarded(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = app(kind, redis, servlet, "exclude", "/search/*")) {
            for (int i = 0; i < 2; i++) {
                assertEquals(201, Http.get(app.uri("/pay")).statusCode());
                assertEquals(201, send(post(app.uri("/search/q"), SubmitServlet.utf8("q=x"))).statusCode());
            }
            assertEquals(4, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anAsyncRequestOnASingleRequestThreadStillRejectsItsDuplicateAndLeavesNoLock(TestApp.Kind kind,
            RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        AsyncSubmitServlet servlet = new AsyncSubmitServlet();
        try (TestApp app = kind.builder().maxThreads(1).filter(guard(redis, prefix)).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            byte[] body = SubmitServlet.utf8("{\"pay\":\"async\"}");
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return send(post(app.uri("/pay"), body));
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(servlet.awaitStarted());
            // the one request thread is free again and serves the repeat: it must not re-enter the first's lock
            HttpResponse<String> repeat = send(post(app.uri("/pay"), body));
            assertEquals(409, repeat.statusCode());
            servlet.release();
            assertEquals(200, first.get(20, TimeUnit.SECONDS).statusCode());
            assertEquals(1, servlet.runs());
            Conditions.await(() -> resp.keys(prefix + "ds:*:lock"), List::isEmpty, Duration.ofSeconds(5));
            assertEquals(1, resp.keys(prefix + "ds:*:done").size());
            assertEquals(409, send(post(app.uri("/pay"), body)).statusCode());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aThrowingServletReleasesItsLockAndTheRepeatRuns(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        int[] runs = {0};
        HttpServlet failingOnce = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                if (++runs[0] == 1) {
                    throw new IllegalStateException("payment provider down");
                }
                resp.setStatus(201);
            }
        };
        try (TestApp app = kind.builder().filter(guard(redis, prefix)).servlet("/*", failingOnce).start();
             Resp resp = redis.connect()) {
            byte[] body = SubmitServlet.utf8("{\"pay\":7}");
            assertEquals(500, send(post(app.uri("/pay"), body)).statusCode());
            // no lock and no record: only the fencing tokens stay, for the lease
            Conditions.await(() -> resp.keys(prefix + "ds:*"),
                    k -> k.stream().allMatch(x -> x.endsWith(":fence")), Duration.ofSeconds(5));
            assertEquals(201, send(post(app.uri("/pay"), body)).statusCode());
            assertEquals(2, runs[0]);
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aLeaseShorterThanTheWorkIsSurvivedWithoutA500(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        HttpServlet outlivesItsLock = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                try (Resp r = redis.connect()) {
                    // works until the lock's lease has run out under it
                    Conditions.await(() -> r.keys(prefix + "ds:*:lock"), List::isEmpty, Duration.ofSeconds(10));
                } catch (Exception e) {
                    throw new IOException(e);
                }
                resp.setStatus(201);
                resp.getWriter().write("done");
            }
        };
        try (TestApp app = kind.builder().filter(guard(redis, prefix, "lockLease", "300ms"))
                .servlet("/*", outlivesItsLock).start()) {
            byte[] body = SubmitServlet.utf8("{\"slow\":true}");
            HttpResponse<String> r = send(post(app.uri("/pay"), body));
            assertEquals(201, r.statusCode());
            assertEquals("done", r.body());
            HttpResponse<String> repeat = Conditions.await(() -> send(post(app.uri("/pay"), body)),
                    x -> x.statusCode() == 409, Duration.ofSeconds(5));
            assertEquals("Duplicate submission", title(repeat));
        }
    }

    @Test
    void everyKeyWrittenHasThePrefixAndATtl() throws Exception {
        try (RedisServer own = RedisServer.startNew()) {
            SubmitServlet servlet = new SubmitServlet();
            try (TestApp app = TestApp.Kind.JETTY.builder()
                    .filter(guard(own, "shop:", "mode", "replay", "lockLease", "30s")).servlet("/*", servlet).start();
                 Resp resp = own.connect()) {
                for (int i = 0; i < 5; i++) {
                    send(post(app.uri("/pay"), SubmitServlet.utf8("{\"n\":" + i + "}"), "Idempotency-Key", "k{" + i + "}"));
                    send(post(app.uri("/pay"), SubmitServlet.utf8("{\"m\":" + i + "}")));
                }
                // once every lock is released, only the completion records remain (Redisson's unlock also
                // writes a short-lived redisson_unlock_latch:<lock>:<id> key, deleted right after it)
                List<String> keys = Conditions.await(() -> resp.keys("*"), k -> k.stream()
                        .noneMatch(x -> x.endsWith(":lock") || x.startsWith("redisson_unlock_latch:")),
                        Duration.ofSeconds(5));
                // ten records with their fencing tokens, and the counter of what this client keeps stored
                // (maxStoredBytesPerClient) with its charges (when each stored response stops counting)
                assertEquals(22, keys.size(), keys.toString());
                assertEquals(1, keys.stream().filter(k -> k.endsWith(":stored")).count(), keys.toString());
                assertEquals(1, keys.stream().filter(k -> k.endsWith(":stored-charges")).count(), keys.toString());
                assertEquals(10, keys.stream().filter(k -> k.endsWith(":fence")).count(), keys.toString());
                for (String key : keys) {
                    assertTrue(key.matches("shop:ds:\\{[A-Za-z0-9_-]{20}\\}:(done|stored|stored-charges|fence)"), key);
                    long ttl = (Long) resp.call("PTTL", key);
                    assertTrue(ttl > 0, key + " ttl " + ttl);
                }
            }
        }
    }
}
