package io.tollgate;

import io.tollgate.internal.ratelimit.KeySpec;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.testing.CpuLoad;
import io.tollgate.testing.FaultProxy;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.StubRequest;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A deploy while some new Redis connections are slow (issue 18, item 4): a fault proxy in front of Redis makes
 * one new connection in four answer 900 ms late, every other one stays healthy; {@code backendTimeout=300ms}.
 * Both filters, under load: {@value #CALLERS} concurrent callers (each a limited GET with a new client, then a
 * guarded POST with new bytes; bounded in count and time, see {@link #load}), the app JVM kept CPU-saturated
 * as in {@link SubmitUnderLoadTest}.
 *
 * <p>From {@link #SETTLE} after the webapp started, every request answered faster than {@code backendTimeout}
 * (it did not itself wait on a slow connection) must have been decided by Redis, never by the fallback. What
 * only Redis gives: a GET's budget key in Redis and its rate-limit headers (the {@code allow} fallback sends
 * none; the {@code local} one writes nothing to Redis), a POST's fencing token (only a Redis claim has one).
 */
class PartialSlownessTest {

    private static final Duration TIMEOUT = Duration.ofMillis(300);
    private static final Duration SETTLE = Duration.ofSeconds(5);
    /** The load runs at least this long after start-up ... */
    private static final Duration RUN = Duration.ofSeconds(12);
    /** ... and on until each kind of request was answered faster than the timeout this often after SETTLE ... */
    private static final int FAST_AFTER_SETTLE = 30;
    /** ... or until this deadline (a machine too starved to answer that many in time fails the test). */
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int CALLERS = 8;
    private static final int MAX_PER_CALLER = 1000;
    private static final String PREFIX = "psl:";

    /** One request: when it was sent (ms after the webapp started), how long it took, and whether Redis decided it. */
    record Answer(String what, long sentMs, long tookMs, int status, boolean byRedis) {
    }

    @ParameterizedTest
    @ValueSource(strings = {"allow", "local"})
    void startedWhileOneNewConnectionInFourIsSlowEveryFastRequestIsCheckedAgainstRedisWithin5s(String onFailure)
            throws Exception {
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis)) {
            proxy.delayEveryNthNewConnection(4, Duration.ofMillis(900));
            TestApp.Builder builder = TestApp.Kind.JETTY.builder()
                    .contextParam("tollgate.redisAddress", proxy.url())
                    .contextParam("tollgate.backendTimeout", TIMEOUT.toMillis() + "ms")
                    .contextParam("tollgate.onBackendFailure", onFailure)
                    .contextParam("tollgate.keyPrefix", PREFIX)
                    .filter(FilterSpec.of("api", RateLimitFilter.class).urlPattern("/api/*")
                            .param("limits", "1000/1m").param("key", "header:X-Client"))
                    .filter(FilterSpec.of("orders", DoubleSubmitFilter.class).urlPattern("/orders/*"))
                    .servlet("/*", new TokenEchoServlet());
            List<Answer> answers;
            try (TestApp app = builder.start()) {
                answers = load(app, System.nanoTime(), redis);
            }
            List<Answer> late = answers.stream().filter(a -> a.sentMs() >= SETTLE.toMillis()).collect(Collectors.toList());
            List<Answer> fastFallbacks = late.stream()
                    .filter(a -> a.tookMs() < TIMEOUT.toMillis() && !a.byRedis()).collect(Collectors.toList());
            System.out.printf("[PartialSlownessTest] %s: %d requests, %d slow connections of %d opened; first %d s:"
                            + " %d decided by Redis of %d; after: %d requests, %d decided by Redis, %d faster than"
                            + " backendTimeout, %d fallbacks without waiting%n",
                    onFailure, answers.size(), proxy.slowConnections(), proxy.accepted(), SETTLE.toSeconds(),
                    answers.stream().filter(a -> a.sentMs() < SETTLE.toMillis() && a.byRedis()).count(),
                    answers.size() - late.size(), late.size(), late.stream().filter(Answer::byRedis).count(),
                    late.stream().filter(a -> a.tookMs() < TIMEOUT.toMillis()).count(), fastFallbacks.size());
            assertTrue(proxy.slowConnections() >= 1, "the fault met the client: " + proxy.accepted() + " connections");
            assertEquals(List.of(), fastFallbacks.stream().limit(20).collect(Collectors.toList()),
                    fastFallbacks.size() + " requests took the fallback without waiting backendTimeout after " + SETTLE);
            for (String what : List.of("GET", "POST")) {
                long checked = late.stream().filter(a -> a.what().equals(what) && a.byRedis()
                        && a.tookMs() < TIMEOUT.toMillis()).count();
                assertTrue(checked >= FAST_AFTER_SETTLE, what + ": only " + checked
                        + " answered faster than backendTimeout and decided by Redis after " + SETTLE);
            }
        }
    }

    /**
     * {@value #CALLERS} callers, each alternating a limited GET and a guarded POST, for at least {@link #RUN} after
     * {@code started} and until each kind was answered faster than the timeout {@value #FAST_AFTER_SETTLE} times
     * after {@link #SETTLE} (at most {@link #DEADLINE}, at most {@value #MAX_PER_CALLER} requests each).
     */
    private static List<Answer> load(TestApp app, long started, RedisServer redis) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        AtomicInteger n = new AtomicInteger();
        long minimum = started + RUN.toNanos();
        long deadline = started + DEADLINE.toNanos();
        AtomicInteger fastGets = new AtomicInteger();
        AtomicInteger fastPosts = new AtomicInteger();
        List<Future<List<Answer>>> futures = new ArrayList<>();
        List<Answer> all = new ArrayList<>();
        try (CpuLoad cpu = CpuLoad.saturate()) {
            for (int c = 0; c < CALLERS; c++) {
                futures.add(callers.submit(() -> {
                    List<Answer> mine = new ArrayList<>();
                    for (int k = 0; k < MAX_PER_CALLER; k++) {
                        long now = System.nanoTime();
                        if (now >= deadline || now >= minimum && fastGets.get() >= FAST_AFTER_SETTLE
                                && fastPosts.get() >= FAST_AFTER_SETTLE) {
                            break;
                        }
                        int i = n.incrementAndGet();
                        boolean get = k % 2 == 0;
                        HttpRequest request = get
                                ? Http.request(app.uri("/api/q"), "X-Client", "c" + i).GET().build()
                                : Http.request(app.uri("/orders/pay"), "Content-Type", "text/plain")
                                        .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + i + "}")).build();
                        long sent = System.nanoTime();
                        HttpResponse<String> r = Http.send(request);
                        long took = System.nanoTime() - sent;
                        if (sent - started >= SETTLE.toNanos() && took < TIMEOUT.toNanos()) {
                            (get ? fastGets : fastPosts).incrementAndGet();
                        }
                        // a GET's Redis decision is confirmed from Redis below, once the load is over
                        boolean byRedis = get ? r.headers().firstValue("RateLimit").isPresent()
                                : r.headers().firstValue("X-Token").isPresent();
                        mine.add(new Answer(get ? "GET c" + i : "POST", TimeUnit.NANOSECONDS.toMillis(sent - started),
                                TimeUnit.NANOSECONDS.toMillis(took), r.statusCode(), r.statusCode() == 200 && byRedis));
                    }
                    return mine;
                }));
            }
            for (Future<List<Answer>> f : futures) {
                all.addAll(f.get());
            }
        } finally {
            callers.shutdownNow();
        }
        // the local fallback sends rate-limit headers too, but never writes the client's budget to Redis
        List<Answer> confirmed = new ArrayList<>();
        KeySpec key = KeySpec.parse("header:X-Client");
        try (Resp resp = redis.connect()) {
            for (Answer a : all) {
                boolean byRedis = a.byRedis();
                if (byRedis && a.what().startsWith("GET ")) {
                    String client = a.what().substring(4);
                    String identity = key.resolve(StubRequest.request().header("X-Client", client).build(), "127.0.0.1");
                    byRedis = Long.valueOf(1).equals(resp.call("EXISTS",
                            RedisKeys.rateLimit(PREFIX, Algorithm.SLIDING_LOG, "api", identity)));
                }
                confirmed.add(new Answer(a.what().startsWith("GET ") ? "GET" : "POST", a.sentMs(), a.tookMs(),
                        a.status(), byRedis));
            }
        }
        return confirmed;
    }

    /** Answers 200 with the request's fencing token, if a Redis claim gave it one, in {@code X-Token}. */
    static final class TokenEchoServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws java.io.IOException {
            Object token = req.getAttribute(DoubleSubmitFilter.TOKEN_ATTRIBUTE);
            if (token != null) {
                resp.setHeader("X-Token", token.toString());
            }
            resp.setStatus(200);
            resp.getOutputStream().write("ok".getBytes(StandardCharsets.UTF_8));
        }
    }
}
