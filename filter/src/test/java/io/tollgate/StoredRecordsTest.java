package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a client can make Redis store in replay mode, and what happens when a record cannot be stored. */
@ExtendWith(RedisExtension.class)
class StoredRecordsTest {

    /** {@code /missing}: 404 with a 60 KB page; {@code /big}: 201 with 60 KB; {@code /csp}: 201 with a 70 KB header. */
    static final class PagesServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        final AtomicInteger runs = new AtomicInteger();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            int order = runs.incrementAndGet();
            String path = req.getPathInfo() == null ? req.getServletPath() : req.getPathInfo();
            char[] filler = new char[60 * 1024]; // under maxResponseBytes (64KB): stored, unless the filter declines
            Arrays.fill(filler, 'x');
            resp.setContentType("text/plain");
            if (path.endsWith("/missing")) {
                resp.setStatus(404);
            } else {
                resp.setStatus(201);
                if (path.endsWith("/csp")) {
                    resp.setHeader("Content-Security-Policy", "default-src 'self' " + "a".repeat(70 * 1024));
                    filler = new char[0];
                }
            }
            resp.getWriter().write("order " + order + " " + new String(filler));
        }
    }

    static FilterSpec replay(RedisServer redis, String prefix) {
        return FilterSpec.of("orders", DoubleSubmitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", prefix).param("mode", "replay");
    }

    static long usedMemory(Resp resp) throws IOException {
        Matcher m = Pattern.compile("used_memory:(\\d+)").matcher(String.valueOf(resp.call("INFO", "memory")));
        assertTrue(m.find());
        return Long.parseLong(m.group(1));
    }

    static HttpResponse<String> post(TestApp app, String path, String key) throws Exception {
        return Http.post(app.uri(path), "{\"amount\":42}", "Content-Type", "application/json", "Idempotency-Key", key);
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void twoHundredRandomKeysToA404StoreNothing(TestApp.Kind kind) throws Exception {
        PagesServlet servlet = new PagesServlet();
        try (RedisServer redis = RedisServer.startNew();
             TestApp app = kind.builder().filter(replay(redis, "t:")).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            assertEquals(201, post(app, "/warm-up", "warm-up").statusCode());
            long before = usedMemory(resp);
            for (int i = 0; i < 200; i++) {
                assertEquals(404, post(app, "/missing", UUID.randomUUID().toString()).statusCode());
            }
            // no record is written, and the locks are gone once released
            long grown = usedMemory(resp) - before;
            System.out.println("StoredRecordsTest " + kind + ": 200 random-key POSTs to a 404 grew used_memory by "
                    + grown + " bytes");
            assertTrue(grown < 2L << 20, "used_memory grew by " + grown);
            // no record was kept (the warm-up's record and its client's counter and charges are all there is,
            // beside the fencing tokens of each claim, which expire with the lease)
            Conditions.await(() -> resp.keys("t:ds:*").stream().filter(k -> !k.endsWith(":fence")).count(),
                    n -> n == 3, Duration.ofSeconds(5));
            // a 404 is not a result: its repeat runs again
            assertEquals(404, post(app, "/missing", "k-404").statusCode());
            assertEquals(404, post(app, "/missing", "k-404").statusCode());
            assertEquals(203, servlet.runs.get());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void whatOneClientCanKeepStoredIsBounded(TestApp.Kind kind) throws Exception {
        PagesServlet servlet = new PagesServlet();
        try (RedisServer redis = RedisServer.startNew();
             TestApp app = kind.builder().filter(replay(redis, "t:")).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            assertEquals(201, post(app, "/warm-up", "warm-up").statusCode());
            long before = usedMemory(resp);
            String first = null;
            String last = null;
            for (int i = 0; i < 200; i++) {
                last = UUID.randomUUID().toString();
                first = first == null ? last : first;
                assertEquals(201, post(app, "/big", last).statusCode());
            }
            long grown = usedMemory(resp) - before;
            System.out.println("StoredRecordsTest " + kind + ": 200 random-key POSTs with 60 KB answers grew"
                    + " used_memory by " + grown + " bytes");
            assertTrue(grown < 2L << 20, "used_memory grew by " + grown);
            assertEquals(201, servlet.runs.get());
            // within the bound a repeat is replayed; beyond it the request ran once, and its repeat gets 409
            HttpResponse<String> early = post(app, "/big", first);
            assertEquals(201, early.statusCode());
            assertEquals("true", early.headers().firstValue("Idempotent-Replayed").orElse(null));
            assertEquals(409, post(app, "/big", last).statusCode());
            assertEquals(201, servlet.runs.get());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aResponseThatCannotBeStoredStillReachesTheClientAndReleasesTheLock(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        PagesServlet servlet = new PagesServlet();
        String prefix = RedisExtension.uniquePrefix();
        try (TestApp app = kind.builder().filter(replay(redis, prefix)).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            HttpResponse<String> first = post(app, "/csp", "k-csp");
            assertEquals(201, first.statusCode());
            assertTrue(first.headers().firstValue("Content-Security-Policy").orElse("").length() > 70 * 1024);
            Conditions.await(() -> resp.keys(prefix + "ds:*:lock").size(), n -> n == 0, Duration.ofSeconds(5));
            // it ran: its repeat is a duplicate (nothing to replay), answered at once, not after lockLease
            HttpResponse<String> repeat = post(app, "/csp", "k-csp");
            assertEquals(409, repeat.statusCode());
            assertEquals(1, servlet.runs.get());
        }
    }
    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aRecordIsChargedOnlyForAsLongAsItIsKept(TestApp.Kind kind, RedisServer redis) throws Exception {
        PagesServlet servlet = new PagesServlet();
        String prefix = RedisExtension.uniquePrefix();
        // records without a key live 1s; the bound holds three 60 KB answers
        try (TestApp app = kind.builder().filter(replay(redis, prefix).param("window", "1s")
                        .param("maxStoredBytesPerClient", "200KB")).servlet("/*", servlet).start();
             Resp resp = redis.connect()) {
            for (int i = 0; i < 4; i++) {
                assertEquals(201, Http.post(app.uri("/big"), "{\"order\":" + i + "}", "Content-Type",
                        "application/json").statusCode());
            }
            // every record (and marker) is gone: nothing is kept for this client any more
            Conditions.await(() -> resp.keys(prefix + "*:done").size(), n -> n == 0, Duration.ofSeconds(10));
            HttpResponse<String> next = Http.post(app.uri("/big"), "{\"order\":9}", "Content-Type", "application/json");
            HttpResponse<String> repeat = Http.post(app.uri("/big"), "{\"order\":9}", "Content-Type", "application/json");
            assertEquals(201, next.statusCode());
            assertEquals("true", repeat.headers().firstValue("Idempotent-Replayed").orElse(null),
                    "the expired records were still charged: " + repeat.statusCode() + " " + repeat.body());
            assertEquals(next.body(), repeat.body());
            assertEquals(5, servlet.runs.get());
        }
    }
}
