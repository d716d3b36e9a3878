package io.tollgate.internal.submit;

import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.LuaScripts;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.CompletionStage;

/**
 * Bounds what one client can make Redis keep in stored responses ({@code maxStoredBytesPerClient} per
 * {@code keyWindow}). Without it, 200 POSTs with random {@code Idempotency-Key}s to a 64 KB answer keep
 * 12.8 MB for a day. Over the bound a request still runs once, and leaves a marker: its repeats get 409
 * instead of a replay. One script call per stored response (client-storage.lua); the counter is a key of
 * its own, in its own hash slot, so it costs a round trip of its own.
 */
public final class ClientStorage implements SubmissionFlow.StorageBudget {

    private static final String SCRIPT = LuaScripts.read(ClientStorage.class, "client-storage.lua");

    private final RScript script;
    private final String keyPrefix;
    private final long max;
    private final Duration window;

    /** Bounds each client to {@code max} bytes of stored responses per {@code window}. */
    public ClientStorage(RedissonClient client, String keyPrefix, long max, Duration window) {
        this.script = ContainerThreads.call(() -> client.getScript(StringCodec.INSTANCE));
        this.keyPrefix = keyPrefix;
        this.max = max;
        this.window = window;
    }

    /** Counts {@code bytes} against the client's bound; true when they fit. */
    @Override
    public CompletionStage<Boolean> take(String clientScope, long bytes) {
        String key = RedisKeys.clientStorage(keyPrefix, clientScope);
        CompletionStage<Long> fits = ContainerThreads.call(() -> script.evalAsync(key,
                RScript.Mode.READ_WRITE, SCRIPT, RedissonVersions.LONG, Collections.singletonList(key),
                Long.toString(bytes), Long.toString(max), Long.toString(window.toMillis())));
        return fits.thenApply(n -> n != null && n == 1L);
    }
}
