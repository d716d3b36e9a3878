package io.tollgate;

import io.tollgate.testing.Conditions;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.config.Config;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A failed store releases the lock on every path (issue 19, item 11), including a Redis call that throws
 * instead of failing its future: the completion script and the storage counter, each with a client whose
 * script calls throw on the spot. The lock is gone at once, not after lockLease (60s), on Jetty and Tomcat.
 */
@ExtendWith(RedisExtension.class)
class FailedStoreTest {

    /** A real client whose completion script (the one naming the lock's channel) or storage counter throws before it is sent. */
    static RedissonClient throwing(RedissonClient real, AtomicBoolean failComplete, AtomicBoolean failStorage) {
        return (RedissonClient) Proxy.newProxyInstance(FailedStoreTest.class.getClassLoader(),
                new Class<?>[] {RedissonClient.class}, (proxy, method, args) -> {
                    Object answer = invoke(real, method, args);
                    if (method.getName().equals("getScript") && answer instanceof RScript) {
                        RScript script = (RScript) answer;
                        return Proxy.newProxyInstance(FailedStoreTest.class.getClassLoader(),
                                new Class<?>[] {RScript.class}, (p, m, a) -> {
                                    if (m.getName().equals("evalAsync") && a != null) {
                                        for (Object arg : a) {
                                            if (arg instanceof List<?> keys) {
                                                if (failComplete.get() && keys.stream().anyMatch(k ->
                                                        k.toString().startsWith("redisson_lock__channel:"))) {
                                                    throw new RedisException("completion thrown before it was sent");
                                                }
                                                if (failStorage.get() && keys.size() == 2
                                                        && keys.get(0).toString().endsWith(":stored")) {
                                                    throw new RedisException("counter thrown before it was sent");
                                                }
                                            }
                                        }
                                    }
                                    return invoke(script, m, a);
                                });
                    }
                    return answer;
                });
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static TestApp app(TestApp.Kind kind, RedissonClient client, String prefix, String mode) throws Exception {
        return kind.builder().contextAttribute("io.tollgate.redisson", client)
                .filter(FilterSpec.of("orders", DoubleSubmitFilter.class).param("keyPrefix", prefix)
                        .param("mode", mode))
                .servlet("/*", new SubmitServlet()).start();
    }

    private static RedissonClient real(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        return Redisson.create(config);
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aCompletionThatThrowsReleasesTheLock(TestApp.Kind kind, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        RedissonClient real = real(redis);
        AtomicBoolean failComplete = new AtomicBoolean(true);
        try (TestApp app = app(kind, throwing(real, failComplete, new AtomicBoolean()), prefix, "reject");
             Resp resp = redis.connect()) {
            HttpResponse<String> first = Http.post(app.uri("/pay"), "{\"amount\":42}", "Content-Type",
                    "application/json");
            assertEquals(201, first.statusCode(), first.body());
            // released now, not after lockLease
            Conditions.await(() -> resp.keys(prefix + "*:lock").size(), n -> n == 0, Duration.ofSeconds(5));
        } finally {
            real.shutdown();
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aStorageCounterThatThrowsStillStoresTheMarkerAndReleasesTheLock(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        RedissonClient real = real(redis);
        try (TestApp app = app(kind, throwing(real, new AtomicBoolean(), new AtomicBoolean(true)), prefix, "replay");
             Resp resp = redis.connect()) {
            HttpResponse<String> first = Http.post(app.uri("/pay"), "{\"amount\":42}", "Content-Type",
                    "application/json", "Idempotency-Key", "k-1");
            assertEquals(201, first.statusCode(), first.body());
            Conditions.await(() -> resp.keys(prefix + "*:lock").size(), n -> n == 0, Duration.ofSeconds(5));
            // it ran and its answer was not counted, so not kept: the repeat is a duplicate, answered at once
            HttpResponse<String> repeat = Http.post(app.uri("/pay"), "{\"amount\":42}", "Content-Type",
                    "application/json", "Idempotency-Key", "k-1");
            assertEquals(409, repeat.statusCode(), repeat.body());
            assertTrue(repeat.body().contains("already processed"), repeat.body());
        } finally {
            real.shutdown();
        }
    }
}
