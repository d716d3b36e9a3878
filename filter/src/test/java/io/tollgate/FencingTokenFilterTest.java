package io.tollgate;

import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.TestApp;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fencing token over HTTP: the servlet running a submission finds it as the request attribute
 * {@value DoubleSubmitFilter#TOKEN_ATTRIBUTE}, a later run of the same submission gets a larger one, and the
 * completion of a run that lost its lock after a later run completed is refused (counted in the MXBean; the
 * later run's record stays, and is what repeats are answered with).
 */
@ExtendWith(RedisExtension.class)
class FencingTokenFilterTest {

    /** Answers with the token it was given; the first run of {@code /slow} waits until released. */
    static final class TokenServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;
        final transient CountDownLatch firstEntered = new CountDownLatch(1);
        final transient CountDownLatch releaseFirst = new CountDownLatch(1);
        final AtomicInteger runs = new AtomicInteger();

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            req.getInputStream().readAllBytes();
            Object token = req.getAttribute(DoubleSubmitFilter.TOKEN_ATTRIBUTE);
            int run = runs.incrementAndGet();
            if (req.getRequestURI().endsWith("/fail")) {
                resp.sendError(500, "token " + token);
                return;
            }
            if (run == 1 && req.getRequestURI().endsWith("/slow")) {
                firstEntered.countDown();
                try {
                    if (!releaseFirst.await(30, TimeUnit.SECONDS)) {
                        resp.sendError(500, "never released");
                        return;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            resp.setStatus(201);
            resp.getWriter().write("token " + token + " run " + run);
        }
    }

    static FilterSpec guard(RedisServer redis, String prefix, String... params) {
        FilterSpec spec = FilterSpec.of("fenced", DoubleSubmitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", prefix).param("onBackendFailure", "deny")
                .param("backendTimeout", "5s"); // a starved call on a busy machine is not the subject here
        for (int i = 0; i + 1 < params.length; i += 2) {
            spec.param(params[i], params[i + 1]);
        }
        return spec;
    }

    static long staleCompletions() throws Exception {
        return FailoverTest.mbeanSum("DoubleSubmitFilter", "fenced", "StaleCompletions");
    }

    @Test
    void eachRunOfOneSubmissionSeesALargerToken(RedisServer redis) throws Exception {
        TokenServlet servlet = new TokenServlet();
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(guard(redis, RedisExtension.uniquePrefix()))
                .servlet("/*", servlet).start()) {
            // a failed run leaves no record: the repeat runs again, with the next token
            HttpResponse<String> first = Http.post(app.uri("/fail"), "{\"pay\":1}");
            HttpResponse<String> second = Http.post(app.uri("/fail"), "{\"pay\":1}");
            assertEquals(500, first.statusCode());
            assertEquals(500, second.statusCode());
            assertTrue(first.body().contains("token 1"), first.body());
            assertTrue(second.body().contains("token 2"), second.body());
        }
    }

    @Test
    void aRunThatLostItsLockCannotOverwriteTheRecordOfALaterRun(RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        TokenServlet servlet = new TokenServlet();
        try (TestApp app = TestApp.Kind.TOMCAT.builder().filter(guard(redis, prefix, "mode", "replay"))
                .servlet("/*", servlet).start(); Resp resp = redis.connect()) {
            long before = staleCompletions();
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.post(app.uri("/slow"), "{\"pay\":2}");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            });
            assertTrue(servlet.firstEntered.await(20, TimeUnit.SECONDS), "the first run never started");
            // its lock vanishes, as when a failover loses it: a repeat now runs the submission again
            List<String> locks = resp.keys(prefix + "ds:*:lock");
            assertEquals(1, locks.size(), locks.toString());
            resp.call("DEL", locks.get(0));
            HttpResponse<String> second = Http.post(app.uri("/slow"), "{\"pay\":2}");
            assertEquals(201, second.statusCode());
            assertEquals("token 2 run 2", second.body());
            // its record is written after its response: wait for it, so that the first completes after it
            String fence = locks.get(0).substring(0, locks.get(0).length() - ":lock".length()) + ":fence";
            io.tollgate.testing.Conditions.await(() -> resp.call("HGET", fence, "done"), "2"::equals,
                    Duration.ofSeconds(10));

            servlet.releaseFirst.countDown();
            HttpResponse<String> late = first.get(30, TimeUnit.SECONDS);
            assertEquals("token 1 run 1", late.body()); // its client has its answer; its record is refused
            io.tollgate.testing.Conditions.await(FencingTokenFilterTest::staleCompletions, n -> n == before + 1,
                    Duration.ofSeconds(10));
            HttpResponse<String> repeat = Http.post(app.uri("/slow"), "{\"pay\":2}");
            assertEquals("token 2 run 2", repeat.body(), "the later run's record stays");
            assertEquals("true", repeat.headers().firstValue(DoubleSubmitFilter.REPLAYED_HEADER).orElse(""));
            assertEquals(2, servlet.runs.get());
        }
    }
}
