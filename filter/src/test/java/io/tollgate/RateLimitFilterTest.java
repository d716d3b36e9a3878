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

/** RateLimitFilter over real HTTP, in Jetty 12 and Tomcat 11, against a real Redis. */
@ExtendWith(RedisExtension.class)
class RateLimitFilterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static FilterSpec limiter(RedisServer redis, String... params) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class)
                .param("redisAddress", redis.url())
                .param("keyPrefix", RedisExtension.uniquePrefix());
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    static TestApp app(TestApp.Kind kind, RedisServer redis, CountingServlet servlet, String... params)
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
                assertTrue(rateLimit.startsWith("\"api\";r=" + (2 - i) + ";t="), rateLimit);
                assertNull(header(ok, "Retry-After"));
            }
            HttpResponse<String> rejected = Http.get(app.uri("/orders"));
            assertEquals(429, rejected.statusCode());
            assertEquals("application/problem+json", header(rejected, "Content-Type"));
            long retryAfter = Long.parseLong(header(rejected, "Retry-After"));
            assertTrue(retryAfter >= 59 && retryAfter <= 60, "Retry-After " + retryAfter);
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
            assertTrue(header(other, "RateLimit").startsWith("\"api\";r=1;"), header(other, "RateLimit"));
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
            assertTrue(header(first, "RateLimit").matches("\"api-2s\";r=1;t=2, \"api-1h\";r=2;t=3600"),
                    header(first, "RateLimit"));
            assertEquals(200, status(Http.get(app.uri("/"))));
            HttpResponse<String> rejected = Http.get(app.uri("/"));
            assertEquals(429, rejected.statusCode());
            assertTrue(header(rejected, "RateLimit").matches("\"api-2s\";r=0;t=[12], \"api-1h\";r=1;t=\\d+"),
                    header(rejected, "RateLimit"));
            // once the 2s window has passed, exactly one more request fits the hourly limit: rejected
            // requests in between took nothing from it
            HttpResponse<String> next = Conditions.await(() -> Http.get(app.uri("/")), r -> r.statusCode() == 200,
                    java.time.Duration.ofSeconds(6));
            assertTrue(header(next, "RateLimit").matches("\"api-2s\";r=\\d;t=\\d+, \"api-1h\";r=0;t=\\d+"),
                    header(next, "RateLimit"));
            HttpResponse<String> hourly = Http.get(app.uri("/"));
            assertEquals(429, hourly.statusCode());
            long retryAfter = Long.parseLong(header(hourly, "Retry-After"));
            assertTrue(retryAfter > 3500, "Retry-After " + retryAfter);
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void permitsOfOtherRulesAreGivenBackWhenOneRuleRejects(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", prefix).param("rules", "classpath:rules/two-rules.json");
        try (TestApp app = kind.builder().filter(filter).servlet("/*", new CountingServlet()).start();
             Resp resp = redis.connect()) {
            HttpResponse<String> first = Http.post(app.uri("/login"), "");
            assertEquals(200, first.statusCode());
            assertTrue(header(first, "RateLimit").matches("\"site\";r=4;t=60, \"login\";r=0;t=60"),
                    header(first, "RateLimit"));
            HttpResponse<String> second = Http.post(app.uri("/login"), "");
            assertEquals(429, second.statusCode());
            assertTrue(header(second, "RateLimit").matches("\"site\";r=4;t=\\d+, \"login\";r=0;t=\\d+"),
                    header(second, "RateLimit"));
            assertEquals("login", JSON.readTree(second.body()).get("policy").asText());
            // the site rule's log holds only the admitted request's permit once the give-back has landed
            List<String> siteKeys = resp.keys(prefix + "rl:{site:*");
            assertEquals(1, siteKeys.size());
            Conditions.await(() -> resp.call("ZCARD", siteKeys.get(0)), n -> ((Long) n) == 1L,
                    java.time.Duration.ofSeconds(5));
            // a GET is covered by the site rule only
            HttpResponse<String> get = Http.get(app.uri("/login"));
            assertEquals(200, get.statusCode());
            assertEquals("\"site\";q=5;w=60", header(get, "RateLimit-Policy"));
            assertTrue(header(get, "RateLimit").startsWith("\"site\";r=3;"), header(get, "RateLimit"));
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anExpiredLimiterStartsAgainWithAFullBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        FilterSpec filter = limiter(redis, "limits", "2/1s").param("keyPrefix", prefix);
        try (TestApp app = kind.builder().filter(filter).servlet("/*", new CountingServlet()).start();
             Resp resp = redis.connect()) {
            assertEquals(200, status(Http.get(app.uri("/"))));
            assertEquals(200, status(Http.get(app.uri("/"))));
            List<String> keys = resp.keys(prefix + "*");
            assertEquals(1, keys.size());
            // Redis drops the idle client's log by itself (its TTL is the longest period) ...
            Conditions.await(() -> resp.call("EXISTS", keys.get(0)), n -> ((Long) n) == 0L,
                    java.time.Duration.ofSeconds(5));
            // ... and the next request starts a new one with the whole budget
            HttpResponse<String> again = Http.get(app.uri("/"));
            assertEquals(200, again.statusCode());
            assertTrue(header(again, "RateLimit").startsWith("\"api\";r=1;"), header(again, "RateLimit"));
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
            assertEquals("4", header(r, "X-RateLimit-Remaining"));
            assertEquals("10", header(r, "X-RateLimit-Reset"));
        }
        try (TestApp both = app(kind, redis, new CountingServlet(), "limits", "5/10s", "headers", "both")) {
            HttpResponse<String> r = Http.get(both.uri("/"));
            assertEquals("\"api\";r=4;t=10", header(r, "RateLimit"));
            assertEquals("4", header(r, "X-RateLimit-Remaining"));
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
                    .param("limits", "${tollgate.test.limit:50/1m}")
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
            assertTrue(header(r, "RateLimit").startsWith("\"api\";r=0;"), header(r, "RateLimit"));
            assertEquals(429, status(Http.get(app.uri("/"))));
        }
    }

    @Test
    void everyKeyWrittenHasThePrefixAHashTagAndATtl() throws Exception {
        try (RedisServer own = RedisServer.startNew()) {
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", own.url())
                    .param("keyPrefix", "myapp:").param("rules", "classpath:rules/two-rules.json")
                    .param("key", "ip+header:X-Api-Key");
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet())
                    .start(); Resp resp = own.connect()) {
                for (int i = 0; i < 6; i++) {
                    Http.post(app.uri("/login"), "", "X-Api-Key", "key-{" + i + "}\"; DEL *");
                    Http.get(app.uriV6("/x"), "X-Api-Key", "k" + i);
                }
                List<String> keys = resp.keys("*");
                assertEquals(18, keys.size(), keys.toString()); // a site log per address and key (12), a login log per key (6)
                for (String key : keys) {
                    assertTrue(key.matches("myapp:rl:\\{(site|login):[A-Za-z0-9_-]{20}\\}"), key);
                    long ttl = (Long) resp.call("PTTL", key);
                    assertTrue(ttl > 0 && ttl <= 60_000, key + " ttl " + ttl);
                }
            }
        }
    }
}
