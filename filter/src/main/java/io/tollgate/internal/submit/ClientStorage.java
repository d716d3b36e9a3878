package io.tollgate.internal.submit;

import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.LuaScripts;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounds what one client can make Redis keep in stored responses ({@code maxStoredBytesPerClient} at once).
 * Without it, 200 POSTs with random {@code Idempotency-Key}s to a 64 KB answer keep 12.8 MB for a day. Each
 * stored response is charged for as long as it is kept ({@code window}, or {@code keyWindow} with a key), and
 * stops counting when it expires. Over the bound a request still runs once, and leaves a marker: its repeats
 * get 409 instead of a replay. One script call per stored response (client-storage.lua); the counter is a
 * pair of keys of its own, in its own hash slot, so it costs a round trip of its own.
 */
public final class ClientStorage implements SubmissionFlow.StorageBudget {

    private static final String SCRIPT = LuaScripts.read(ClientStorage.class, "client-storage.lua");

    private final RScript script;
    private final String keyPrefix;
    private final long max;

    /** Bounds each client to {@code max} bytes of stored responses kept at once. */
    public ClientStorage(RedissonClient client, String keyPrefix, long max) {
        this.script = ContainerThreads.call(() -> client.getScript(StringCodec.INSTANCE));
        this.keyPrefix = keyPrefix;
        this.max = max;
    }

    /** Charges {@code bytes} to the client's bound until the record expires ({@code keep}); true when they fit. */
    @Override
    public CompletionStage<Boolean> take(String clientScope, long bytes, Duration keep) {
        String key = RedisKeys.clientStorage(keyPrefix, clientScope);
        List<Object> keys = List.of(key, RedisKeys.clientStorageCharges(keyPrefix, clientScope));
        String charge = Long.toHexString(ThreadLocalRandom.current().nextLong());
        CompletionStage<Long> fits = ContainerThreads.call(() -> script.evalAsync(key,
                RScript.Mode.READ_WRITE, SCRIPT, RedissonVersions.LONG, keys,
                Long.toString(bytes), Long.toString(max), Long.toString(keep.toMillis()), charge));
        return fits.thenApply(n -> n != null && n == 1L);
    }
}
