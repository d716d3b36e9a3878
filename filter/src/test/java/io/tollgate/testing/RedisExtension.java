package io.tollgate.testing;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.io.IOException;

/**
 * Gives tests the shared {@link RedisServer}: started once for the whole test run, stopped when it ends.
 * Tests keep apart by using their own {@code keyPrefix} ({@link #uniquePrefix()}).
 */
public final class RedisExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RedisExtension.class);
    private static final java.util.concurrent.atomic.AtomicInteger PREFIXES = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == RedisServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent("redis", k -> {
            try {
                return RedisServer.shared();
            } catch (IOException e) {
                throw new ParameterResolutionException("cannot start redis-server", e);
            }
        }, RedisServer.class);
    }

    /** A key prefix no other test uses: {@code t17:}. */
    public static String uniquePrefix() {
        return "t" + PREFIXES.incrementAndGet() + "-" + ProcessHandle.current().pid() + ":";
    }
}
