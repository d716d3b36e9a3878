package io.tollgate.internal.redis;

import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.InternalThreadLocalMap;

import java.util.function.Supplier;

/**
 * Keeps Netty's thread-locals off the container's threads. Calling Redisson from a request thread makes
 * Netty put its thread-local map (buffer caches and the like, classes of this webapp) on that thread;
 * container threads outlive an undeployed webapp, so the map would pin the webapp's class loader. Every
 * Redisson call Tollgate makes from a container thread goes through {@link #call}, which removes the map
 * again if the call created it.
 */
public final class ContainerThreads {

    private ContainerThreads() {
    }

    public static <T> T call(Supplier<T> redissonCall) {
        boolean had = InternalThreadLocalMap.getIfSet() != null;
        try {
            return redissonCall.get();
        } finally {
            if (!had && InternalThreadLocalMap.getIfSet() != null) {
                FastThreadLocal.removeAll();
            }
        }
    }
}
