package io.tollgate;

import io.tollgate.outbound.OutboundLimiter;
import io.tollgate.testing.Conditions;
import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FaultProxy;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.InterruptingFilter;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An interrupt is never a Redis failure: the waiting thread's flag is set again (or InterruptedException
 * thrown), a permit or lock Redis grants after the wait ended is given back, and the state stays UP.
 */
class InterruptTest {

    /** Responses held back this long; the bound is longer, so only the interrupt ends the wait. */
    private static final Duration DELAY = Duration.ofMillis(1500);
    private static final String TIMEOUT = "3s";

    @Test
    void anInterruptedAcquireHoldsNoPermitAndTheLimiterStaysUp() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis)) {
            Config config = new Config();
            config.useSingleServer().setAddress(proxy.url()).setTimeout(5000).setRetryAttempts(0);
            RedissonClient client = Redisson.create(config);
            try (OutboundLimiter limiter = OutboundLimiter.builder("api", "1/1m").redisson(client)
                    .backendTimeout(Duration.parse("PT" + TIMEOUT.toUpperCase())).build()) {
                proxy.delayAll(DELAY);
                AtomicReference<Throwable> thrown = new AtomicReference<>();
                Thread caller = new Thread(() -> {
                    try {
                        limiter.acquire(Duration.ofSeconds(10));
                    } catch (Throwable t) {
                        thrown.set(t);
                    }
                });
                caller.start();
                Conditions.await(caller::getState, s -> s == Thread.State.TIMED_WAITING, Duration.ofSeconds(5));
                caller.interrupt();
                caller.join(5000);
                assertInstanceOf(InterruptedException.class, thrown.get());
                assertEquals(BackendState.UP, limiter.backendState());

                Thread.currentThread().interrupt();
                assertFalse(limiter.tryAcquire()); // interrupted: no permit, not a fallback one either
                assertTrue(Thread.interrupted(), "the interrupt flag is set again");
                assertEquals(BackendState.UP, limiter.backendState());

                proxy.heal();
                // both permits Redis granted after the waits ended were given back: the one permit is free
                assertTrue(Conditions.await(limiter::tryAcquire, ok -> ok, Duration.ofSeconds(10)));
                assertEquals(BackendState.UP, limiter.backendState());
            } finally {
                client.shutdown(0, 2, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anInterruptedRateLimitWaitFallsBackAloneAndGivesItsPermitBack() throws Exception {
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis);
             TestApp app = TestApp.Kind.JETTY.builder()
                     .filter(FilterSpec.of("interrupt", InterruptingFilter.class).param("role", "interrupt"))
                     .filter(FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", proxy.url())
                             .param("limits", "1/1m").param("key", "header:X-Client")
                             .param("onBackendFailure", "allow").param("backendTimeout", TIMEOUT))
                     .filter(FilterSpec.of("probe", InterruptingFilter.class).param("role", "probe"))
                     .servlet("/*", new CountingServlet()).start()) {
            assertEquals(200, Http.get(app.uri("/"), "X-Client", "warm").statusCode());
            int seen = InterruptingFilter.FLAG_SEEN.get();
            proxy.delayAll(DELAY);
            HttpResponse<String> interrupted = Http.get(app.uri("/"), "X-Client", "c");
            assertEquals(200, interrupted.statusCode());
            assertTrue(interrupted.headers().firstValue("RateLimit").isEmpty(), "took the fallback (allow)");
            assertEquals(seen + 1, InterruptingFilter.FLAG_SEEN.get(), "the interrupt flag was set again");
            assertEquals("UP", OutageTest.backendState("RateLimitFilter", "api"));

            proxy.heal();
            // the permit Redis granted after the wait ended is given back (a ZREM) once that answer arrives
            try (Resp resp = redis.connect()) {
                Conditions.await(() -> resp.call("INFO", "commandstats").toString(),
                        stats -> stats.contains("cmdstat_zrem:calls=1,"), Duration.ofSeconds(10));
                long held = 0;
                for (String key : resp.keys("tollgate:*")) {
                    held += (Long) resp.call("ZCARD", key);
                }
                assertEquals(1, held, "only the warm-up's permit is held");
            }
            HttpResponse<String> next = Http.get(app.uri("/"), "X-Client", "c");
            assertEquals(200, next.statusCode());
            assertTrue(next.headers().firstValue("RateLimit").isPresent());
            assertEquals("UP", OutageTest.backendState("RateLimitFilter", "api"));
        }
    }

    @Test
    void anInterruptedClaimFallsBackAloneAndGivesItsLockBack() throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (RedisServer redis = RedisServer.startNew(); FaultProxy proxy = FaultProxy.to(redis);
             TestApp app = TestApp.Kind.JETTY.builder()
                     .filter(FilterSpec.of("interrupt", InterruptingFilter.class).param("role", "interrupt"))
                     .filter(FilterSpec.of("orders", DoubleSubmitFilter.class).param("redisAddress", proxy.url())
                             .param("onBackendFailure", "allow").param("backendTimeout", TIMEOUT))
                     .filter(FilterSpec.of("probe", InterruptingFilter.class).param("role", "probe"))
                     .servlet("/*", servlet).start()) {
            assertEquals(201, Http.post(app.uri("/pay"), "{\"warm\":1}").statusCode());
            int seen = InterruptingFilter.FLAG_SEEN.get();
            proxy.delayAll(DELAY);
            assertEquals(201, Http.post(app.uri("/pay"), "{\"order\":7}").statusCode()); // allow: it ran
            assertEquals(seen + 1, InterruptingFilter.FLAG_SEEN.get(), "the interrupt flag was set again");
            assertEquals("UP", OutageTest.backendState("DoubleSubmitFilter", "orders"));
            assertEquals(2, servlet.runs());

            proxy.heal();
            // the lock Redis granted after the wait ended was given back (else the repeat would get 409 for
            // the lock's whole lease): the same order now runs under Redis's guard, and its repeat is caught
            HttpResponse<String> guarded = Conditions.await(() -> Http.post(app.uri("/pay"), "{\"order\":7}"),
                    r -> r.statusCode() == 201, Duration.ofSeconds(10));
            assertEquals(201, guarded.statusCode());
            assertEquals(409, Http.post(app.uri("/pay"), "{\"order\":7}").statusCode());
            assertEquals("UP", OutageTest.backendState("DoubleSubmitFilter", "orders"));
        }
    }
}
