package io.tollgate;

import io.tollgate.testing.Conditions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.PrincipalFilter;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every {@code algorithm} keeps: RateLimitFilter over real HTTP, in Jetty 12 and Tomcat 11,
 * against a real Redis: answers, headers, several limits and rules, keys and expiry, two instances sharing
 * one budget, and Redis outages under each onBackendFailure. One subclass per engine says only what the
 * algorithm means by a wait, how exact its remaining count is and what it keeps in Redis.
 */
@ExtendWith(RedisExtension.class)
abstract class RateLimitFilterContract {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The {@code algorithm} init-param under test. */
    abstract String algorithm();

    /**
     * Seconds until a limit of {@code count/period} gives one permit back after a request: when a drained
     * limit admits again, and its {@code t} right after a fresh client's first request.
     */
    abstract long refillSeconds(long count, long periodSeconds);

    /** By how much a reported remaining count may exceed the true one (0: exact). */
    long remainingSlack() {
        return 0;
    }

    /** Redis keys one client of a one-limit policy has. */
    int keysPerClient() {
        return 1;
    }

    /** A regex of what follows {@code {policy:hash}} in a client's key names (a one-minute limit). */
    String keySuffixRegex() {
        return "";
    }

    /**
     * Whether an idle client's keys expire by themselves (every Tollgate script; Redisson's RRateLimiter
     * only from 3.38, see RedissonVersions): where they do not, its keys have no TTL at all.
     */
    boolean keysExpire() {
        return true;
    }

    /** Whether a changed limit keeps what was spent under the old one (Redisson 3.x's RRateLimiter does not). */
    boolean changedLimitKeepsWhatWasSpent() {
        return true;
    }

    /** Permits one client of {@code policy} (one limit of {@code count/periodMillis}) holds in Redis now. */
    abstract long heldPermits(Resp resp, String prefix, String policy, long count, long periodMillis) throws Exception;

    /** The infix of this algorithm's keys after the prefix: {@code rl:}, {@code tb:}, {@code rrl:}. */
    String keyInfix() {
        // as architecture.md's key table writes them
        return switch (algorithm()) {
            case "sliding-log" -> "rl:";
            case "token-bucket" -> "tb:";
            case "rratelimiter" -> "rrl:";
            default -> throw new IllegalArgumentException("no key infix known for " + algorithm());
        };
    }

    /** A regex of the remaining count {@code expected}, allowing the engine's slack. */
    String r(long expected) {
        StringBuilder sb = new StringBuilder("(?:").append(expected);
        for (long i = 1; i <= remainingSlack(); i++) {
            sb.append('|').append(expected + i);
        }
        return sb.append(')').toString();
    }

    FilterSpec limiter(RedisServer redis, String... params) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", redis.url())
                .param("algorithm", algorithm())
                .param("keyPrefix", RedisExtension.uniquePrefix());
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    TestApp app(TestApp.Kind kind, RedisServer redis, CountingServlet servlet, String... params)
            throws TestApp.StartupFailure {
        return kind.builder().filter(limiter(redis, params)).servlet("/*", servlet).start();
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    static int status(HttpResponse<?> response) {
        return response.statusCode();
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void requestOverTheLimitIsRejectedWithHeadersAndProblemBody(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = app(kind, redis, servlet, "limits", "3/1m")) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> ok = Http.get(app.uri("/orders"));
                assertEquals(200, ok.statusCode());
                assertEquals("\"api\";q=3;w=60", header(ok, "RateLimit-Policy"));
                String rateLimit = header(ok, "RateLimit");
                assertTrue(rateLimit.matches("\"api\";r=" + r(2 - i) + ";t=\\d+"), rateLimit);
                assertNull(header(ok, "Retry-After"));
            }
            HttpResponse<String> rejected = Http.get(app.uri("/orders"));
            assertEquals(429, rejected.statusCode());
            assertEquals("application/problem+json", header(rejected, "Content-Type"));
            long retryAfter = Long.parseLong(header(rejected, "Retry-After"));
            long refill = refillSeconds(3, 60);
            assertTrue(retryAfter >= refill - 1 && retryAfter <= refill, "Retry-After " + retryAfter);
            assertEquals("\"api\";q=3;w=60", header(rejected, "RateLimit-Policy"));
            Matcher m = Pattern.compile("\"api\";r=0;t=(\\d+)").matcher(header(rejected, "RateLimit"));
            assertTrue(m.matches(), header(rejected, "RateLimit"));
            assertEquals(retryAfter, Long.parseLong(m.group(1)));
            JsonNode body = JSON.readTree(rejected.body());
            assertEquals("about:blank", body.get("type").asText());
            assertEquals("Too Many Requests", body.get("title").asText());
            assertEquals(429, body.get("status").asInt());
            assertEquals("api", body.get("policy").asText());
            assertEquals(retryAfter, body.get("retryAfter").asLong());
            assertTrue(body.get("detail").asText().contains("3/1m"), body.get("detail").asText());
            assertEquals(3, servlet.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void eachClientAddressHasItsOwnBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = app(kind, redis, servlet, "limits", "2/1m")) {
            assertEquals(200, status(Http.get(app.uri("/"))));
            assertEquals(200, status(Http.get(app.uri("/"))));
            assertEquals(429, status(Http.get(app.uri("/"))));
            // ::1 is another client address: its budget is untouched
            HttpResponse<String> other = Http.get(app.uriV6("/"));
            assertEquals(200, other.statusCode());
            assertTrue(header(other, "RateLimit").matches("\"api\";r=" + r(1) + ";.*"), header(other, "RateLimit"));
            assertEquals(3, servlet.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void eachHeaderValueHasItsOwnBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = app(kind, redis, servlet, "limits", "2/1m", "key", "header:X-Api-Key")) {
            for (int i = 0; i < 2; i++) {
                assertEquals(200, status(Http.get(app.uri("/"), "X-Api-Key", "alpha")));
            }
            assertEquals(429, status(Http.get(app.uri("/"), "X-Api-Key", "alpha")));
            assertEquals(200, status(Http.get(app.uri("/"), "X-Api-Key", "beta")));
            assertEquals(200, status(Http.get(app.uri("/"), "X-Api-Key", "beta")));
            assertEquals(429, status(Http.get(app.uri("/"), "X-Api-Key", "beta")));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void spoofedForwardedForFromAnUntrustedAddressGainsNothing(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        try (TestApp app = app(kind, redis, new CountingServlet(), "limits", "3/1m")) {
            int admitted = 0;
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> r = Http.get(app.uri("/"), "X-Forwarded-For", "198.51.100." + i,
                        "Forwarded", "for=198.51.100." + i);
                admitted += r.statusCode() == 200 ? 1 : 0;
            }
            assertEquals(3, admitted);
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void trustedProxysForwardedForNamesTheClient(TestApp.Kind kind, RedisServer redis) throws Exception {
        try (TestApp app = app(kind, redis, new CountingServlet(), "limits", "2/1m",
                "trustedProxies", "127.0.0.1, ::1")) {
            // the proxy appended the client 203.0.113.7; whatever the client wrote to the left is not believed
            for (int i = 0; i < 2; i++) {
                assertEquals(200, status(Http.get(app.uri("/"), "X-Forwarded-For", "10.9.9." + i + ", 203.0.113.7")));
            }
            assertEquals(429, status(Http.get(app.uri("/"), "X-Forwarded-For", "10.9.9.99, 203.0.113.7")));
            // another client behind the same proxy has its own budget
            assertEquals(200, status(Http.get(app.uri("/"), "X-Forwarded-For", "203.0.113.8")));
            // the proxy itself, without the header, is a client of its own
            assertEquals(200, status(Http.get(app.uri("/"))));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void dryRunCountsAndSendsHeadersButNeverRejects(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = app(kind, redis, servlet, "limits", "2/1m", "enforce", "false")) {
            String last = null;
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> r = Http.get(app.uri("/"));
                assertEquals(200, r.statusCode());
                last = header(r, "RateLimit");
            }
            assertTrue(last.startsWith("\"api\";r=0;"), last);
            assertEquals(5, servlet.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aRequestRejectedByOneLimitTakesNothingFromTheOthers(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        try (TestApp app = app(kind, redis, new CountingServlet(), "limits", "2/2s, 3/1h")) {
            HttpResponse<String> first = Http.get(app.uri("/"));
            assertEquals("\"api-2s\";q=2;w=2, \"api-1h\";q=3;w=3600", header(first, "RateLimit-Policy"));
            assertTrue(header(first, "RateLimit").matches("\"api-2s\";r=" + r(1) + ";t=" + refillSeconds(2, 2)
                    + ", \"api-1h\";r=" + r(2) + ";t=" + refillSeconds(3, 3600)), header(first, "RateLimit"));
            assertEquals(200, status(Http.get(app.uri("/"))));
            HttpResponse<String> rejected = Http.get(app.uri("/"));
            assertEquals(429, rejected.statusCode());
            assertTrue(header(rejected, "RateLimit").matches("\"api-2s\";r=0;t=[12], \"api-1h\";r=" + r(1)
                    + ";t=\\d+"), header(rejected, "RateLimit"));
            // once the 2s window has passed, exactly one more request fits the hourly limit: rejected
            // requests in between took nothing from it
            HttpResponse<String> next = Conditions.await(() -> Http.get(app.uri("/")), r -> r.statusCode() == 200,
                    java.time.Duration.ofSeconds(6));
            assertTrue(header(next, "RateLimit").matches("\"api-2s\";r=\\d;t=\\d+, \"api-1h\";r=" + r(0)
                    + ";t=\\d+"), header(next, "RateLimit"));
            HttpResponse<String> hourly = Http.get(app.uri("/"));
            assertEquals(429, hourly.statusCode());
            long retryAfter = Long.parseLong(header(hourly, "Retry-After"));
            assertTrue(retryAfter > refillSeconds(3, 3600) - 100, "Retry-After " + retryAfter);
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void permitsOfOtherRulesAreGivenBackWhenOneRuleRejects(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", prefix).param("rules", "classpath:rules/two-rules.json")
                .param("algorithm", algorithm());
        try (TestApp app = kind.builder().filter(filter).servlet("/*", new CountingServlet()).start();
             Resp resp = redis.connect()) {
            HttpResponse<String> first = Http.post(app.uri("/login"), "");
            assertEquals(200, first.statusCode());
            assertTrue(header(first, "RateLimit").matches("\"site\";r=" + r(4) + ";t=" + refillSeconds(5, 60)
                    + ", \"login\";r=0;t=60"), header(first, "RateLimit"));
            HttpResponse<String> second = Http.post(app.uri("/login"), "");
            assertEquals(429, second.statusCode());
            assertTrue(header(second, "RateLimit").matches("\"site\";r=" + r(4) + ";t=\\d+, \"login\";r=0;t=\\d+"),
                    header(second, "RateLimit"));
            assertEquals("login", JSON.readTree(second.body()).get("policy").asText());
            // the site rule holds only the admitted request's permit once the give-back has landed
            assertEquals(keysPerClient(), resp.keys(prefix + keyInfix() + "{site:*").size());
            Conditions.await(() -> heldPermits(resp, prefix, "site", 5, 60_000), n -> n == 1L,
                    java.time.Duration.ofSeconds(5));
            // a GET is covered by the site rule only
            HttpResponse<String> get = Http.get(app.uri("/login"));
            assertEquals(200, get.statusCode());
            assertEquals("\"site\";q=5;w=60", header(get, "RateLimit-Policy"));
            assertTrue(header(get, "RateLimit").matches("\"site\";r=" + r(3) + ";.*"), header(get, "RateLimit"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anExpiredLimiterStartsAgainWithAFullBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(keysExpire(), "this engine's keys never expire on Redisson "
                + io.tollgate.internal.redis.RedissonVersions.VERSION);
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = limiter(redis, "limits", "2/1s").param("keyPrefix", prefix);
        try (TestApp app = kind.builder().filter(filter).servlet("/*", new CountingServlet()).start();
             Resp resp = redis.connect()) {
            assertEquals(200, status(Http.get(app.uri("/"))));
            assertEquals(200, status(Http.get(app.uri("/"))));
            List<String> keys = resp.keys(prefix + "*");
            assertEquals(keysPerClient(), keys.size(), keys.toString());
            // Redis drops the idle client's state by itself (its TTL is at most the longest period) ...
            Conditions.await(() -> resp.keys(prefix + "*").size(), n -> n == 0, java.time.Duration.ofSeconds(5));
            // ... and the next request starts a new one with the whole budget
            HttpResponse<String> again = Http.get(app.uri("/"));
            assertEquals(200, again.statusCode());
            assertTrue(header(again, "RateLimit").matches("\"api\";r=" + r(1) + ";.*"), header(again, "RateLimit"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void excludedPathsAndOtherMethodsAreNotLimited(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = app(kind, redis, servlet, "limits", "1/1m", "exclude", "/health, /static/*, *.css",
                "methods", "GET,post")) {
            for (String path : new String[] {"/health", "/static/app.js", "/static", "/a/site.css"}) {
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = Http.get(app.uri(path));
                    assertEquals(200, r.statusCode(), path);
                    assertNull(header(r, "RateLimit"), path);
                }
            }
            HttpResponse<String> put = Http.send(Http.request(app.uri("/x"))
                    .PUT(java.net.http.HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(200, put.statusCode());
            assertNull(header(put, "RateLimit"));
            assertEquals(200, status(Http.post(app.uri("/x"), "")));
            assertEquals(429, status(Http.get(app.uri("/x"))));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void legacyAndBothHeaderStyles(TestApp.Kind kind, RedisServer redis) throws Exception {
        try (TestApp legacy = app(kind, redis, new CountingServlet(), "limits", "5/10s, 7/1m", "headers", "legacy")) {
            HttpResponse<String> r = Http.get(legacy.uri("/"));
            assertNull(header(r, "RateLimit"));
            assertNull(header(r, "RateLimit-Policy"));
            assertEquals("5", header(r, "X-RateLimit-Limit"));
            assertTrue(header(r, "X-RateLimit-Remaining").matches(r(4)), header(r, "X-RateLimit-Remaining"));
            assertEquals(Long.toString(refillSeconds(5, 10)), header(r, "X-RateLimit-Reset"));
        }
        try (TestApp both = app(kind, redis, new CountingServlet(), "limits", "5/10s", "headers", "both")) {
            HttpResponse<String> r = Http.get(both.uri("/"));
            assertTrue(header(r, "RateLimit").matches("\"api\";r=" + r(4) + ";t=" + refillSeconds(5, 10)),
                    header(r, "RateLimit"));
            assertEquals(header(r, "RateLimit").replaceAll(".*;r=(\\d+);.*", "$1"), header(r, "X-RateLimit-Remaining"));
        }
        try (TestApp none = app(kind, redis, new CountingServlet(), "limits", "1/10s", "headers", "none")) {
            assertEquals(200, status(Http.get(none.uri("/"))));
            HttpResponse<String> r = Http.get(none.uri("/"));
            assertEquals(429, r.statusCode());
            assertNull(header(r, "RateLimit"));
            assertNull(header(r, "X-RateLimit-Remaining"));
            assertEquals("10", header(r, "Retry-After"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void errorPageRejectionUsesTheConfiguredStatusAndKeepsHeaders(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        try (TestApp app = app(kind, redis, new CountingServlet(), "limits", "1/1m", "statusCode", "503",
                "rejectWith", "error-page")) {
            assertEquals(200, status(Http.get(app.uri("/"))));
            HttpResponse<String> r = Http.get(app.uri("/"));
            assertEquals(503, r.statusCode());
            assertFalse(header(r, "Content-Type") != null && header(r, "Content-Type").contains("problem+json"));
            assertTrue(Long.parseLong(header(r, "Retry-After")) >= 59);
            assertTrue(header(r, "RateLimit").startsWith("\"api\";r=0;"), header(r, "RateLimit"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void userSessionParamAndPathKeys(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        TestApp.Builder b = kind.builder()
                .filter(FilterSpec.of("auth", PrincipalFilter.class))
                .filter(limiter(redis, "limits", "1/1m", "key", "user+method+path"))
                .servlet("/*", servlet);
        try (TestApp app = b.start()) {
            assertEquals(200, status(Http.get(app.uri("/a"), "X-Test-User", "ann")));
            assertEquals(429, status(Http.get(app.uri("/a"), "X-Test-User", "ann")));
            assertEquals(200, status(Http.get(app.uri("/b"), "X-Test-User", "ann")));
            assertEquals(200, status(Http.post(app.uri("/a"), "", "X-Test-User", "ann")));
            assertEquals(200, status(Http.get(app.uri("/a"), "X-Test-User", "bob")));
            // no user: the client address's budget
            assertEquals(200, status(Http.get(app.uri("/a"))));
            assertEquals(429, status(Http.get(app.uri("/a"))));
        }
        try (TestApp app = app(kind, redis, new CountingServlet(), "limits", "1/1m", "key", "param:tenant")) {
            assertEquals(200, status(Http.get(app.uri("/?tenant=a%20b"))));
            assertEquals(429, status(Http.get(app.uri("/?tenant=a+b"))));
            assertEquals(200, status(Http.get(app.uri("/?tenant=c"))));
        }
        try (TestApp app = app(kind, redis, new CountingServlet(), "limits", "2/1m", "key", "global")) {
            assertEquals(200, status(Http.get(app.uri("/"))));
            assertEquals(200, status(Http.get(app.uriV6("/"))));
            assertEquals(429, status(Http.get(app.uri("/"))));
            assertEquals(429, status(Http.get(app.uriV6("/"))));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void contextParamsAndPlaceholdersConfigureTheFilter(TestApp.Kind kind, RedisServer redis) throws Exception {
        System.setProperty("tollgate.test.limit", "1/1m");
        try {
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                    .param("limits", "${tollgate.test.limit:50/1m}").param("algorithm", algorithm())
                    .param("keyPrefix", RedisExtension.uniquePrefix());
            TestApp.Builder b = kind.builder()
                    .contextParam("tollgate.redisAddress", "${TOLLGATE_TEST_UNSET:" + redis.url() + "}")
                    .contextParam("tollgate.keyPrefix", "ignored-because-the-init-param-wins:")
                    .filter(filter).servlet("/*", new CountingServlet());
            try (TestApp app = b.start()) {
                assertEquals(200, status(Http.get(app.uri("/"))));
                assertEquals(429, status(Http.get(app.uri("/"))));
            }
        } finally {
            System.clearProperty("tollgate.test.limit");
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aChangedLimitAppliesOnRestartAndKeepsWhatWasSpent(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        try (TestApp app = kind.builder().filter(limiter(redis, "limits", "5/1m").param("keyPrefix", prefix))
                .servlet("/*", new CountingServlet()).start()) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, status(Http.get(app.uri("/"))));
            }
        }
        try (TestApp app = kind.builder().filter(limiter(redis, "limits", "4/1m").param("keyPrefix", prefix))
                .servlet("/*", new CountingServlet()).start()) {
            HttpResponse<String> r = Http.get(app.uri("/"));
            assertEquals(200, r.statusCode());
            // 3 of the new 4 were spent: one left, taken now; where a change starts afresh, 3 are left after it
            long left = changedLimitKeepsWhatWasSpent() ? 0 : 3;
            assertTrue(header(r, "RateLimit").matches("\"api\";r=" + r(left) + ";.*"), header(r, "RateLimit"));
            assertEquals(left == 0 ? 429 : 200, status(Http.get(app.uri("/"))));
        }
    }

    @Test
    void everyKeyWrittenHasThePrefixAHashTagAndATtl() throws Exception {
        try (RedisServer own = RedisServer.startNew()) {
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", own.url())
                    .param("keyPrefix", "myapp:").param("rules", "classpath:rules/two-rules.json")
                    .param("key", "ip+header:X-Api-Key").param("algorithm", algorithm())
                    // a fresh Redis on a busy machine: a slow first call must not send requests to the fallback
                    .param("backendTimeout", "5s");
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet())
                    .start(); Resp resp = own.connect()) {
                for (int i = 0; i < 6; i++) {
                    Http.post(app.uri("/login"), "", "X-Api-Key", "key-{" + i + "}\"; DEL *");
                    Http.get(app.uriV6("/x"), "X-Api-Key", "k" + i);
                }
                List<String> keys = resp.keys("*");
                // a site budget per address and key (12), a login budget per key (6)
                assertEquals(18 * keysPerClient(), keys.size(), keys.toString());
                for (String key : keys) {
                    assertTrue(key.matches("myapp:" + keyInfix() + "\\{(site|login):[A-Za-z0-9_-]{20}\\}"
                            + keySuffixRegex()), key);
                    long ttl = (Long) resp.call("PTTL", key);
                    assertTrue(keysExpire() ? ttl > 0 && ttl <= 60_000 : ttl == -1, key + " ttl " + ttl);
                }
            }
        }
    }

    @org.junit.jupiter.api.RepeatedTest(2)
    void twoInstancesAdmitExactlyTheLimitBetweenThem(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        CountingServlet onJetty = new CountingServlet();
        CountingServlet onTomcat = new CountingServlet();
        // an hour: no permit comes back while the burst is answered, whatever the algorithm
        FilterSpec filter = limiter(redis, "limits", "50/1h", "key", "global").param("keyPrefix", prefix);
        try (TestApp a = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", onJetty).start();
             TestApp b = TestApp.Kind.TOMCAT.builder().filter(filter).servlet("/*", onTomcat).start()) {
            List<java.net.http.HttpRequest> requests = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                TestApp app = i % 2 == 0 ? a : b;
                requests.add(Http.request(i % 4 < 2 ? app.uri("/buy") : app.uriV6("/buy")).GET().build());
            }
            List<HttpResponse<String>> answers = Http.sendAll(requests);
            assertEquals(50, answers.stream().filter(r -> r.statusCode() == 200).count());
            assertEquals(150, answers.stream().filter(r -> r.statusCode() == 429).count());
            assertEquals(50, onJetty.hits() + onTomcat.hits());
        }
    }

    /**
     * Redisson before 3.34 hands out pooled connections Redis closed until it has reconnected each, and the
     * command sent on one fails at once (docs/deployment.md, "Redisson versions"): waits until a round of
     * requests, more than the pool holds, meets no failed call.
     */
    static void awaitPooledConnectionsReconnected(TestApp app) throws Exception {
        javax.management.ObjectName mbean = new javax.management.ObjectName(
                "io.tollgate:type=RateLimitFilter,webapp=\"/\",name=\"api\"");
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        // while Redis counts as down requests do not ask it (one trial a second): a round counts only if it
        // starts and ends up, with no failed call in between
        Conditions.await(() -> {
            boolean upBefore = "UP".equals(server.getAttribute(mbean, "BackendState"));
            long before = (Long) server.getAttribute(mbean, "BackendFailures");
            for (int i = 0; i < 30; i++) {
                Http.get(app.uri("/"), "X-Client", "probe");
            }
            return upBefore && "UP".equals(server.getAttribute(mbean, "BackendState"))
                    && (Long) server.getAttribute(mbean, "BackendFailures") == before;
        }, clean -> clean, java.time.Duration.ofSeconds(30));
    }

    @ParameterizedTest(name = "{0} onBackendFailure={1}")
    @org.junit.jupiter.params.provider.CsvSource({"JETTY, allow", "TOMCAT, deny", "JETTY, local", "TOMCAT, allow",
            "JETTY, deny", "TOMCAT, local"})
    void redisKilledThenRestartedEmptyFollowsOnBackendFailure(TestApp.Kind kind, String policy) throws Exception {
        try (RedisServer own = RedisServer.startNew();
             TestApp app = kind.builder().filter(limiter(own, "limits", "20/1h", "key", "header:X-Client",
                     "onBackendFailure", policy, "backendTimeout", "300ms")).servlet("/*", new CountingServlet()).start()) {
            List<OutageTest.Answer> before = OutageTest.load(
                    i -> Http.request(app.uri("/"), "X-Client", "before").GET().build());
            assertEquals(20, before.stream().filter(a -> a.status() == 200).count());

            own.kill();
            List<OutageTest.Answer> during = OutageTest.load(
                    i -> Http.request(app.uri("/"), "X-Client", "during").GET().build());
            OutageTest.assertFallback(policy, during);

            own.start(); // the same port, no data: scripts and limiters are set up again
            if (!io.tollgate.internal.redis.RedissonVersions.atLeast("3.34.0")) {
                awaitPooledConnectionsReconnected(app);
            }
            OutageTest.assertEnforcedAgain(app, "after");
        }
    }
}
