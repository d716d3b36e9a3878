package io.tollgate.internal.submit;

import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.RedisKeys;

import org.redisson.api.RBucket;
import org.redisson.api.RLock;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

import java.time.Duration;
import java.util.Collections;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The shared guard: a Redisson {@link RLock} per submission while it runs, owned by a per-request id with
 * an explicit lease (no watchdog), and a completion record beside it that outlives the lock by the window.
 *
 * <p>Keys, in one hash slot: {@link RedisKeys#lock} (a Redisson lock hash) and {@link RedisKeys#record}. A guarded
 * request that runs costs four calls (lock, read the record, write the record, unlock; Redisson's unlock
 * adds a fifth round trip, the DEL of its unlock latch): the record must be read after the lock is held
 * and written before it is released, or a repeat could slip between a completed first request and its
 * record. See docs/benchmarks.md.
 */
public final class RedisSubmissionGuard implements SubmissionGuard {

    private static final String GET = "return redis.call('get', KEYS[1])";

    private final RedissonClient client;

    public RedisSubmissionGuard(RedissonClient client) {
        this.client = client;
    }

    private RLock lock(String id) {
        return client.getLock(RedisKeys.lock(id));
    }

    private RBucket<byte[]> record(String id) {
        return client.getBucket(RedisKeys.record(id), ByteArrayCodec.INSTANCE);
    }

    /**
     * Reads the record from the master, whatever the client's {@code readMode}: a replica may not have the
     * record the first request wrote a moment ago, and a repeat would run.
     */
    private CompletionStage<byte[]> readRecord(String id) {
        String key = RedisKeys.record(id);
        return client.getScript(ByteArrayCodec.INSTANCE).evalAsync(key, RScript.Mode.READ_WRITE, GET,
                RScript.ReturnType.VALUE, Collections.singletonList(key));
    }

    @Override
    public CompletionStage<Claim> claim(String id, long owner, Duration lease) {
        // the whole chain inside: a callback may run on this thread when Redis answers before it is attached
        return ContainerThreads.call(() -> lock(id).tryLockAsync(0, lease.toMillis(), TimeUnit.MILLISECONDS, owner)
                .thenCompose(locked -> locked ? afterLocked(id, owner)
                        : CompletableFuture.completedFuture(new Claim(SubmissionState.IN_FLIGHT, null))));
    }

    @Override
    public CompletionStage<Claim> await(String id, long owner, Duration lease, Duration wait) {
        return ContainerThreads.call(() -> lock(id).tryLockAsync(wait.toMillis(), lease.toMillis(),
                TimeUnit.MILLISECONDS, owner)
                .thenCompose(locked -> locked ? afterLocked(id, owner)
                        : CompletableFuture.completedFuture(new Claim(SubmissionState.IN_FLIGHT, null))));
    }

    /**
     * Holding the lock: a record means the submission already completed, so the lock goes straight back;
     * so it does when the record cannot be read (the request will not run, and must not block its retry).
     */
    private CompletionStage<Claim> afterLocked(String id, long owner) {
        CompletionStage<byte[]> read;
        try {
            read = readRecord(id);
        } catch (RuntimeException e) {
            lock(id).unlockAsync(owner);
            return CompletableFuture.failedFuture(e);
        }
        return read.handle((existing, e) -> {
            if (e != null) {
                lock(id).unlockAsync(owner);
                throw e instanceof CompletionException ? (CompletionException) e : new CompletionException(e);
            }
            if (existing == null) {
                return new Claim(SubmissionState.RUN, null);
            }
            lock(id).unlockAsync(owner);
            return new Claim(SubmissionState.DONE, existing);
        });
    }

    /**
     * Writes the record, then unlocks. When the record cannot be written the lock is left to expire with its
     * lease: the submission did run, and releasing it without a record would let a repeat run it again.
     */
    @Override
    public CompletionStage<Void> complete(String id, long owner, byte[] record, Duration keep) {
        return ContainerThreads.call(() -> record(id).setAsync(record, keep.toMillis(), TimeUnit.MILLISECONDS)
                .thenCompose(v -> lock(id).unlockAsync(owner)));
    }

    @Override
    public CompletionStage<Void> abandon(String id, long owner) {
        return ContainerThreads.call(() -> lock(id).unlockAsync(owner));
    }

    /** A first, harmless call that makes the client connect (at start-up). */
    public CompletionStage<Boolean> connect(String keyPrefix) {
        return ContainerThreads.call(() -> client.getBucket(RedisKeys.connectProbe(keyPrefix), ByteArrayCodec.INSTANCE)
                .isExistsAsync());
    }
}
