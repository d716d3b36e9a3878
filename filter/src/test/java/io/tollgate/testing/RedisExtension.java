package io.tollgate.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;

/**
 * Gives tests the Redis they declare as a parameter (of a test, or of a {@code @BeforeAll} method):
 * <ul>
 * <li>{@link RedisServer}: the shared server, started once for the whole test run, stopped when it ends.
 * Tests keep apart by using their own {@code keyPrefix} ({@link #uniquePrefix()});
 * <li>{@link RedisCluster} (three masters) or {@link RedisSentinel} (a master and its sentinel): started
 * for the test class that asks, stopped when that class is done.
 * </ul>
 */
public final class RedisExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisExtension.class);
    private static final java.util.concurrent.atomic.AtomicInteger PREFIXES = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == RedisServer.class || type == RedisCluster.class || type == RedisSentinel.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (type == RedisCluster.class) {
            return perClass(context, type, RedisCluster::start);
        }
        if (type == RedisSentinel.class) {
            return perClass(context, type, RedisSentinel::start);
        }
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("redis", k -> {
            try {
                return RedisServer.shared();
            } catch (IOException e) {
                throw new ParameterResolutionException("cannot start redis-server", e);
            }
        }, RedisServer.class);
    }

    /** What a start-up of several redis-servers throws. */
    @FunctionalInterface
    private interface Starter<T> {
        T start() throws Exception;
    }

    /** One {@code T} for the test class; the store closes it (it is AutoCloseable) when the class is done. */
    private static <T extends AutoCloseable> T perClass(ExtensionContext context, Class<?> type, Starter<T> starter) {
        ExtensionContext c = context;
        while (c.getTestMethod().isPresent() && c.getParent().isPresent()) {
            c = c.getParent().get();
        }
        @SuppressWarnings("unchecked")
        T value = (T) c.getStore(NS).getOrComputeIfAbsent(type.getName(), k -> {
            try {
                return starter.start();
            } catch (Exception e) {
                throw new ParameterResolutionException("cannot start " + type.getSimpleName(), e);
            }
        });
        return value;
    }

    /** A key prefix no other test uses: {@code t17:}. */
    public static String uniquePrefix() {
        return "t" + PREFIXES.incrementAndGet() + "-" + ProcessHandle.current().pid() + ":";
    }
}
