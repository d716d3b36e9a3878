package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Redisson Tollgate does not fit: every script call throws {@code NoSuchFieldError: LIST}, as code compiled
 * against Redisson 4.x naming {@code RScript.ReturnType.LIST} does on 3.x. That Error is a failed Redis call
 * like any other: requests follow onBackendFailure, the filter never answers 500 for it, no claim is left
 * behind (a retry is not a 409 "still being processed"), and one ERROR line says what to do.
 */
@ExtendWith(RedisExtension.class)
class IncompatibleRedissonTest {

    private static final String ERROR_LINE = "cannot use the Redisson on its class path";

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aGuardedPostTakesTheLocalFallbackAndItsRetryRunsAfterAFailure(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        RedissonClient real = client(redis);
        FailingFirst servlet = new FailingFirst();
        String log;
        try (CapturedLog captured = new CapturedLog();
             TestApp app = kind.builder().contextAttribute(Tollgate.REDISSON_ATTRIBUTE, incompatible(real))
                     .filter(guard(redis, "local")).servlet("/*", servlet).start()) {
            // the first run fails (500 from the servlet itself): the claim is given back ...
            assertEquals(500, post(app.uri("/pay"), "{\"amount\":42}").statusCode());
            // ... so the identical retry runs, and succeeds
            HttpResponse<String> retry = post(app.uri("/pay"), "{\"amount\":42}");
            assertEquals(201, retry.statusCode(), retry.body());
            // and this instance still stops the duplicate of the submission that completed
            HttpResponse<String> duplicate = post(app.uri("/pay"), "{\"amount\":42}");
            assertEquals(409, duplicate.statusCode(), duplicate.body());
            assertTrue(duplicate.body().contains("already processed"), duplicate.body());
            assertEquals(2, servlet.runs.get());
            log = captured.text();
        } finally {
            real.shutdown();
        }
        assertEquals(1, count(log, ERROR_LINE), log);
        assertTrue(log.contains("NoSuchFieldError: LIST"), log);
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void withAllowEveryGuardedPostReachesTheServlet(TestApp.Kind kind, RedisServer redis) throws Exception {
        RedissonClient real = client(redis);
        CountingServlet servlet = new CountingServlet();
        try (TestApp app = kind.builder().contextAttribute(Tollgate.REDISSON_ATTRIBUTE, incompatible(real))
                .filter(guard(redis, "allow")).servlet("/*", servlet).start()) {
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = post(app.uri("/pay"), "{\"amount\":42}");
                assertEquals(200, r.statusCode(), r.body());
            }
            assertEquals(3, servlet.hits());
        } finally {
            real.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void rateLimitsFollowOnBackendFailure(TestApp.Kind kind, RedisServer redis) throws Exception {
        RedissonClient real = client(redis);
        String prefix = RedisExtension.uniquePrefix();
        String log;
        try (CapturedLog captured = new CapturedLog();
             TestApp local = app(kind, real, prefix, "local");
             TestApp deny = app(kind, real, prefix, "deny")) {
            // local: the same limit, kept by this instance
            assertEquals(List.of(200, 200, 429), statuses(local.uri("/"), 3));
            assertEquals(List.of(503, 503), statuses(deny.uri("/"), 2));
            log = captured.text();
        } finally {
            real.shutdown();
        }
        assertEquals(2, count(log, ERROR_LINE), "one ERROR per filter: " + log);
    }

    private static TestApp app(TestApp.Kind kind, RedissonClient real, String prefix, String onFailure)
            throws TestApp.StartupFailure {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("limits", "2/1m")
                .param("keyPrefix", prefix).param("onBackendFailure", onFailure);
        return kind.builder().contextAttribute(Tollgate.REDISSON_ATTRIBUTE, incompatible(real)).filter(filter)
                .servlet("/*", new CountingServlet()).start();
    }

    private static List<Integer> statuses(URI uri, int n) throws Exception {
        Integer[] out = new Integer[n];
        for (int i = 0; i < n; i++) {
            out[i] = Http.get(uri).statusCode();
        }
        return List.of(out);
    }

    private static FilterSpec guard(RedisServer redis, String onFailure) {
        return FilterSpec.of("orders", DoubleSubmitFilter.class).param("keyPrefix", RedisExtension.uniquePrefix())
                .param("onBackendFailure", onFailure);
    }

    private static HttpResponse<String> post(URI uri, String body) throws IOException, InterruptedException {
        return Http.send(Http.request(uri, "Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private static RedissonClient client(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        return Redisson.create(config);
    }

    /** The real client, except that every script call fails as a 4.x-compiled call does on Redisson 3.x. */
    static RedissonClient incompatible(RedissonClient real) {
        return proxy(RedissonClient.class, real, (method, args) -> {
            Object answer = invoke(real, method, args);
            return answer instanceof RScript ? proxy(RScript.class, (RScript) answer, (m, a) -> {
                if (m.getName().startsWith("eval")) {
                    throw new NoSuchFieldError("LIST");
                }
                return invoke(answer, m, a);
            }) : answer;
        });
    }

    private interface Call {
        Object apply(Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, T real, Call call) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (self, method, args) -> call.apply(method, args)));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    /** Fails its first run with a 500, as a servlet whose work failed; answers 201 after. */
    private static final class FailingFirst extends HttpServlet {
        private static final long serialVersionUID = 1L;
        final AtomicInteger runs = new AtomicInteger();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes();
            resp.setStatus(runs.incrementAndGet() == 1 ? 500 : 201);
            resp.getWriter().write("run " + runs.get());
        }
    }

    /** What Tollgate logs meanwhile (slf4j-simple writes to System.err at each call). */
    private static final class CapturedLog implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        CapturedLog() {
            System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        }

        String text() {
            System.err.flush();
            return bytes.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            System.setErr(original);
            original.print(text());
        }
    }
}
