package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.DispatchingServlet;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import jakarta.servlet.DispatcherType;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One decision per request (issue 19, item 8): a filter mapped for FORWARD, INCLUDE, ASYNC and ERROR dispatches,
 * or mapped twice so that two of its {@code <filter-mapping>}s match one request, decides on the request's first
 * pass only, on Jetty and Tomcat.
 */
@ExtendWith(RedisExtension.class)
class DispatchTest {

    static Stream<Arguments> containersAndDispatches() {
        List<Arguments> out = new ArrayList<>();
        for (TestApp.Kind kind : TestApp.Kind.values()) {
            for (String path : new String[] {"/forward", "/include", "/async", "/error"}) {
                out.add(Arguments.of(kind, path));
            }
        }
        return out.stream();
    }

    private static TestApp.Builder everyDispatch(TestApp.Kind kind, io.tollgate.testing.FilterSpec filter,
            DispatchingServlet servlet) {
        return kind.builder().filter(filter.dispatchers(DispatcherType.REQUEST, DispatcherType.FORWARD,
                        DispatcherType.INCLUDE, DispatcherType.ASYNC, DispatcherType.ERROR))
                .servlet("/*", servlet).errorPage(DispatchingServlet.ERROR_STATUS, "/oops");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("containersAndDispatches")
    void aRateLimitIsSpentOncePerRequestWhateverItsDispatches(TestApp.Kind kind, String path, RedisServer redis)
            throws Exception {
        DispatchingServlet servlet = new DispatchingServlet();
        int ok = path.equals("/error") ? DispatchingServlet.ERROR_STATUS : 201;
        try (TestApp app = everyDispatch(kind, RateLimitApps.limiter(redis, "limits", "2/1m"), servlet).start()) {
            HttpResponse<String> first = Http.get(app.uri(path));
            HttpResponse<String> second = Http.get(app.uri(path));
            HttpResponse<String> third = Http.get(app.uri(path));
            assertEquals(ok, first.statusCode(), first.body());
            assertTrue(first.headers().firstValue("RateLimit").orElse("").startsWith("\"api\";r=1;"),
                    "the first request spent more than one permit: " + first.headers().map());
            assertEquals(ok, second.statusCode(), "the second request was rejected: " + second.body());
            assertEquals(429, third.statusCode(), third.body());
        }
    }
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("containersAndDispatches")
    void aSubmitIsDecidedOncePerRequestWhateverItsDispatches(TestApp.Kind kind, String path, RedisServer redis)
            throws Exception {
        DispatchingServlet servlet = new DispatchingServlet();
        String prefix = RedisExtension.uniquePrefix();
        int ok = path.equals("/error") ? DispatchingServlet.ERROR_STATUS : 201;
        try (TestApp app = everyDispatch(kind, DoubleSubmitFilterTest.guard(redis, prefix), servlet).start();
             Resp resp = redis.connect()) {
            HttpResponse<String> first = Http.post(app.uri(path), "{\"amount\":42}", "Content-Type", "application/json");
            assertEquals(ok, first.statusCode(), first.body());
            assertFalse(first.body().contains("Duplicate submission"), "blocked on its own lock: " + first.body());
            assertEquals(path.equals("/error") ? 0 : 1, servlet.runs());
            // one decision, one record (a second decision would have left its own)
            Conditions.await(() -> resp.keys(prefix + "*:lock").size(), n -> n == 0, Duration.ofSeconds(5));
            assertEquals(1, resp.keys(prefix + "*:done").size(), resp.keys(prefix + "*").toString());
            HttpResponse<String> repeat = Http.post(app.uri(path), "{\"amount\":42}", "Content-Type", "application/json");
            assertEquals(409, repeat.statusCode(), repeat.body());
        }
    }

    /**
     * One filter with two {@code <filter-mapping>}s that both match {@code /api/pay}: a second URL pattern, or
     * the servlet's name. Jetty puts such a filter in the chain once per matching mapping; Tomcat once.
     */
    static Stream<Arguments> containersAndOverlappingMappings() {
        List<Arguments> out = new ArrayList<>();
        for (TestApp.Kind kind : TestApp.Kind.values()) {
            out.add(Arguments.of(kind, "/api/pay"));
            out.add(Arguments.of(kind, "servlet-name"));
        }
        return out.stream();
    }

    private static TestApp.Builder mappedTwice(TestApp.Kind kind, io.tollgate.testing.FilterSpec filter, String second,
            SubmitServlet servlet) {
        filter.urlPattern("/api/*");
        if (second.equals("servlet-name")) {
            filter.alsoMappedToServlet("servlet0");
        } else {
            filter.alsoMappedTo(second);
        }
        return kind.builder().filter(filter).servlet("/*", servlet);
    }

    @ParameterizedTest(name = "{0} /api/* and {1}")
    @MethodSource("containersAndOverlappingMappings")
    void aRateLimitMappedTwiceIsSpentOncePerRequest(TestApp.Kind kind, String second, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = mappedTwice(kind, RateLimitApps.limiter(redis, "limits", "2/1m"), second, servlet).start()) {
            HttpResponse<String> first = Http.get(app.uri("/api/pay"));
            HttpResponse<String> secondRequest = Http.get(app.uri("/api/pay"));
            HttpResponse<String> third = Http.get(app.uri("/api/pay"));
            assertEquals(201, first.statusCode(), first.body());
            assertTrue(first.headers().firstValue("RateLimit").orElse("").startsWith("\"api\";r=1;"),
                    "the first request spent more than one permit: " + first.headers().map());
            assertEquals(201, secondRequest.statusCode(), "the second request was rejected: " + secondRequest.body());
            assertEquals(429, third.statusCode(), third.body());
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest(name = "{0} /api/* and {1}")
    @MethodSource("containersAndOverlappingMappings")
    void aSubmitGuardMappedTwiceDecidesOncePerRequest(TestApp.Kind kind, String second, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        String prefix = RedisExtension.uniquePrefix();
        try (TestApp app = mappedTwice(kind, DoubleSubmitFilterTest.guard(redis, prefix), second, servlet).start();
             Resp resp = redis.connect()) {
            HttpResponse<String> first = Http.post(app.uri("/api/pay"), "{\"amount\":42}", "Content-Type",
                    "application/json");
            assertEquals(201, first.statusCode(), first.body());
            assertEquals(1, servlet.runs());
            Conditions.await(() -> resp.keys(prefix + "*:lock").size(), n -> n == 0, Duration.ofSeconds(5));
            assertEquals(1, resp.keys(prefix + "*:done").size(), resp.keys(prefix + "*").toString());
            HttpResponse<String> repeat = Http.post(app.uri("/api/pay"), "{\"amount\":42}", "Content-Type",
                    "application/json");
            assertEquals(409, repeat.statusCode(), repeat.body());
            assertEquals(1, servlet.runs());
        }
    }
}
