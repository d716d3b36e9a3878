package io.tollgate.internal.submit;

import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.LuaScripts;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;

import org.redisson.api.RLock;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.pubsub.LockPubSub;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The shared guard: a Redisson {@link RLock} per submission while it runs, owned by a per-request id with
 * an explicit lease (no watchdog), and a completion record beside it that outlives the lock by the window.
 *
 * <p>Keys, in one hash slot: {@link RedisKeys#lock} (a Redisson lock hash) and {@link RedisKeys#record}. The
 * record must be read after the lock is held and written before it is released, or a repeat could slip
 * between a completed first request and its record; as separate calls (lock, then read; write, then
 * unlock, then Redisson's DEL of its unlock latch) that order costs five sequential round trips, and two
 * calls merely issued together could run in either order. So a first request makes two round trips:
 * {@code claim.lua} reads the record and takes the lock in one atomic step, {@code complete.lua} writes the
 * record and releases the lock in one. Both write the lock exactly as {@code RLock} does (the same hash,
 * the same owner field {@code <client id>:<owner>}, the same unlock message on the same channel), so
 * waiting for a running submission ({@link #await}, replay mode) and giving a claim back
 * ({@link #abandon}) are RLock's own calls, and any RLock client sees these locks as RLocks. See
 * docs/benchmarks.md.
 */
public final class RedisSubmissionGuard implements SubmissionGuard {

    private static final String GET = "return redis.call('get', KEYS[1])";
    static final String CLAIM = LuaScripts.read(RedisSubmissionGuard.class, "claim.lua");
    static final String COMPLETE = LuaScripts.read(RedisSubmissionGuard.class, "complete.lua");
    private static final byte[] UNLOCK_MESSAGE = utf8(LockPubSub.UNLOCK_MESSAGE.toString());

    private final RedissonClient client;
    private final RScript script;

    public RedisSubmissionGuard(RedissonClient client) {
        this.client = client;
        this.script = ContainerThreads.call(() -> client.getScript(ByteArrayCodec.INSTANCE));
    }

    /** RLock's owner field for a request's owner id: {@code <client id>:<owner>}. */
    private String lockOwner(long owner) {
        return client.getId() + ":" + owner;
    }

    /** RLock's channel for its unlock message, named as Redisson names it (in the lock's hash slot). */
    private static String channel(String lockName) {
        return "redisson_lock__channel:" + (lockName.indexOf('{') >= 0 ? lockName : "{" + lockName + "}");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RLock lock(String id) {
        return client.getLock(RedisKeys.lock(id));
    }

    /**
     * Reads the record from the master, whatever the client's {@code readMode}: a replica may not have the
     * record the first request wrote a moment ago, and a repeat would run.
     */
    private CompletionStage<byte[]> readRecord(String id) {
        String key = RedisKeys.record(id);
        return script.evalAsync(key, RScript.Mode.READ_WRITE, GET,
                RScript.ReturnType.VALUE, Collections.singletonList(key));
    }

    @Override
    public CompletionStage<Claim> claim(String id, long owner, Duration lease) {
        String lock = RedisKeys.lock(id);
        List<Object> keys = List.of(lock, RedisKeys.record(id));
        CompletionStage<List<Object>> answer = ContainerThreads.call(() -> script.evalAsync(lock,
                RScript.Mode.READ_WRITE, CLAIM, RedissonVersions.LIST, keys,
                utf8(Long.toString(lease.toMillis())), utf8(lockOwner(owner))));
        return answer.thenApply(values -> {
            long state = values == null || values.isEmpty() ? -1 : ((Number) values.get(0)).longValue();
            if (state == 0) {
                return new Claim(SubmissionState.RUN, null);
            }
            if (state == 1) {
                return new Claim(SubmissionState.IN_FLIGHT, null);
            }
            if (state == 2 && values.size() == 2 && values.get(1) instanceof byte[]) {
                return new Claim(SubmissionState.DONE, (byte[]) values.get(1));
            }
            throw new IllegalStateException("unexpected answer from Redis: " + values);
        });
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
     * Writes the record and unlocks, in one step. When that fails the filter releases the lock with
     * {@link #abandon} (and logs a WARN): the client already has its answer, and a lock held until its
     * lease would refuse its retries for no reason. A lock that ran out before the request ended fails
     * with IllegalMonitorStateException, as RLock's unlock would (the record is written all the same).
     */
    @Override
    public CompletionStage<Void> complete(String id, long owner, byte[] record, Duration keep) {
        String lock = RedisKeys.lock(id);
        List<Object> keys = List.of(lock, RedisKeys.record(id), channel(lock));
        CompletionStage<Long> answer = ContainerThreads.call(() -> script.evalAsync(lock, RScript.Mode.READ_WRITE,
                COMPLETE, RedissonVersions.LONG, keys, record, utf8(Long.toString(keep.toMillis())),
                utf8(lockOwner(owner)), UNLOCK_MESSAGE));
        return answer.thenApply(released -> {
            if (released != null && released < 0) {
                throw new IllegalMonitorStateException("lock " + lock + " was no longer held by " + lockOwner(owner));
            }
            return null;
        });
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
