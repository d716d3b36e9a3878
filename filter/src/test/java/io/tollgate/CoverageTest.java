package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every request the servlet serves is covered: HEAD with GET, methods in any case, no disguised extensions. */
@ExtendWith(RedisExtension.class)
class CoverageTest {

    /** A servlet with doGet only, as most are: HttpServlet answers HEAD by running it. */
    static final class GetServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        final AtomicInteger gets = new AtomicInteger();

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            gets.incrementAndGet();
            resp.setContentType("text/plain");
            resp.getWriter().write("ok");
        }
    }

    static HttpResponse<String> send(java.net.URI uri, String method) throws Exception {
        return Http.send(Http.request(uri).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void getCoversHeadWhichRunsDoGet(TestApp.Kind kind, RedisServer redis) throws Exception {
        GetServlet servlet = new GetServlet();
        try (TestApp app = kind.builder().filter(RateLimitApps.limiter(redis, "limits", "3/1m", "methods", "GET"))
                .servlet("/*", servlet).start()) {
            int admitted = 0;
            for (int i = 0; i < 3; i++) {
                admitted += Http.get(app.uri("/page")).statusCode() == 200 ? 1 : 0;
            }
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> head = send(app.uri("/page"), "HEAD");
                assertEquals(429, head.statusCode());
                assertTrue(head.headers().firstValue("RateLimit").orElse("").startsWith("\"api\";r=0;"),
                        head.headers().toString());
                assertTrue(head.headers().firstValue("Retry-After").isPresent());
            }
            assertEquals(3, admitted);
            assertEquals(3, servlet.gets.get());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void lowerCaseMethodsAreLimited(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "2/1m", "methods", "GET, POST")) {
            assertEquals(200, send(app.uri("/x"), "get").statusCode());
            assertEquals(200, send(app.uri("/x"), "post").statusCode());
            HttpResponse<String> third = send(app.uri("/x"), "Get");
            assertEquals(429, third.statusCode());
            assertEquals(2, servlet.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void methodInTheKeyDoesNotMultiplyTheBudget(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "3/1m", "methods", "GET",
                "key", "ip+method+path")) {
            StringBuilder statuses = new StringBuilder();
            for (String method : new String[] {"GET", "GET", "GET", "HEAD", "HEAD", "get"}) {
                statuses.append(send(app.uri("/page"), method).statusCode()).append(' ');
            }
            // HEAD spends the GET budget, and the method is compared upper-cased, as methods does
            assertEquals("200 200 200 429 429 429 ", statuses.toString());
            assertEquals(3, servlet.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void pathInTheKeyDoesNotMultiplyTheBudgetWithATrailingSlash(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "2/1m", "key", "ip+path")) {
            StringBuilder statuses = new StringBuilder();
            for (String path : new String[] {"/login", "/login/", "/login;jsessionid=abc", "/login/"}) {
                statuses.append(Http.get(app.uri(path)).statusCode()).append(' ');
            }
            assertEquals("200 200 429 429 ", statuses.toString());
            assertEquals(2, servlet.hits());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aRuleForAPathCoversItsTrailingSlashAndPathParameters(TestApp.Kind kind, RedisServer redis) throws Exception {
        CountingServlet servlet = new CountingServlet();
        // two-rules.json: "login" is 1/1m for POST /login
        try (TestApp app = kind.builder().filter(RateLimitApps.limiter(redis, "rules", "classpath:rules/two-rules.json"))
                .servlet("/*", servlet).start()) {
            StringBuilder statuses = new StringBuilder();
            for (String path : new String[] {"/login", "/login/", "/login;jsessionid=abc"}) {
                statuses.append(send(app.uri(path), "POST").statusCode()).append(' ');
            }
            assertEquals("200 429 429 ", statuses.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anExcludeForAPathCoversItsTrailingSlashAndPathParameters(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "1/1m", "exclude", "/login")) {
            for (String path : new String[] {"/login", "/login/", "/login;jsessionid=abc", "/login/"}) {
                HttpResponse<String> r = Http.get(app.uri(path));
                assertEquals(200, r.statusCode(), path);
                assertTrue(r.headers().firstValue("RateLimit").isEmpty(), path + " was limited");
            }
            assertEquals(200, Http.get(app.uri("/other")).statusCode());
            assertEquals(429, Http.get(app.uri("/login/x")).statusCode());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anExtensionExcludeNeverOpensAGuardedMethodThroughASuffix(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "1/1m", "exclude", "*.css")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Http.get(app.uri("/a/site.css")).statusCode());
            }
            // a suffix route may serve this as POST /api/pay
            assertEquals(200, send(app.uri("/api/pay.css"), "POST").statusCode());
            assertEquals(429, send(app.uri("/api/pay.css"), "POST").statusCode());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void lowerCaseMethodsAreGuardedAgainstDoubleSubmits(TestApp.Kind kind, RedisServer redis) throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet)) {
            HttpRequest.Builder post = Http.request(app.uri("/pay"), "Content-Type", "application/json");
            HttpResponse<String> first = Http.send(post.copy().method("post",
                    HttpRequest.BodyPublishers.ofString("{\"amount\":42}")).build());
            HttpResponse<String> repeat = Http.send(post.copy().method("post",
                    HttpRequest.BodyPublishers.ofString("{\"amount\":42}")).build());
            assertEquals(201, first.statusCode());
            assertEquals(409, repeat.statusCode());
            assertEquals(1, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anEncodedSemicolonDoesNotMakeAPathMatchAnExtensionExclude(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = RateLimitApps.app(kind, redis, servlet, "limits", "1/1m", "exclude", "*.css")) {
            // a real stylesheet is excluded, however often it is fetched
            for (int i = 0; i < 3; i++) {
                assertEquals(200, Http.get(app.uri("/a/site.css")).statusCode());
            }
            HttpResponse<String> first = Http.get(app.uri("/api/x%3B.css"));
            assertEquals(200, first.statusCode());
            assertTrue(first.headers().firstValue("RateLimit").isPresent());
            assertEquals(429, Http.get(app.uri("/api/x%3B.css")).statusCode());
            for (String path : new String[] {"/api/y%3b.css", "/api/y%23.css", "/api/y%3F.css"}) {
                HttpResponse<String> r = Http.get(app.uri(path));
                // a container may refuse such a path itself (400); what it serves is covered (here: limited)
                assertTrue(r.statusCode() != 200, path + " answered " + r.statusCode() + " uncovered");
            }
        }
    }
}
