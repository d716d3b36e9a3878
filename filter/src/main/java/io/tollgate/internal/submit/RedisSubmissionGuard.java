package io.tollgate.internal.submit;

import io.tollgate.internal.redis.ContainerThreads;
import io.tollgate.internal.redis.LuaScripts;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;

import org.redisson.api.BatchOptions;
import org.redisson.api.BatchResult;
import org.redisson.api.RBatch;
import org.redisson.api.RLock;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;
import org.redisson.pubsub.LockPubSub;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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

    /**
     * Holding the lock (replay mode's wait): the record, or else a fencing token for this claim. KEYS: the
     * record, the fence; ARGV: the lease, ms. Returns {2, record} or {0, token}, as claim.lua.
     */
    private static final String READ_OR_FENCE = "local record = redis.call('get', KEYS[1])\n"
            + "if record then return {2, record} end\n"
            + "local token = redis.call('hincrby', KEYS[2], 'next', 1)\n"
            + "if redis.call('pttl', KEYS[2]) < tonumber(ARGV[1]) then redis.call('pexpire', KEYS[2], ARGV[1]) end\n"
            + "return {0, token}";
    static final String CLAIM = LuaScripts.read(RedisSubmissionGuard.class, "claim.lua");
    static final String COMPLETE = LuaScripts.read(RedisSubmissionGuard.class, "complete.lua");
    private static final byte[] UNLOCK_MESSAGE = utf8(LockPubSub.UNLOCK_MESSAGE.toString());

    private final RedissonClient client;
    private final RScript script;
    private final int replicaAcks;
    private final Duration ackWait;

    /** A guard whose claims count once the master took them (today's behaviour, {@code replicaAcks=0}). */
    public RedisSubmissionGuard(RedissonClient client) {
        this(client, 0, Duration.ZERO);
    }

    /**
     * A guard whose claims that take the lock count only once {@code replicaAcks} replicas acknowledged them
     * ({@code WAIT replicaAcks ackWait}, pipelined after the claim script in one batch: one round trip plus
     * the replicas' acknowledgement). A claim acknowledged by fewer is released at once and fails with
     * {@link ReplicaAckException}. {@code replicaAcks=0}: no WAIT.
     */
    public RedisSubmissionGuard(RedissonClient client, int replicaAcks, Duration ackWait) {
        this.client = client;
        this.script = ContainerThreads.call(() -> client.getScript(ByteArrayCodec.INSTANCE));
        this.replicaAcks = replicaAcks;
        this.ackWait = ackWait;
    }

    /**
     * A batch followed by {@code WAIT replicaAcks ackWait}, never retried (a resent claim would take the lock
     * twice). {@code syncSlaves} is the one form every supported Redisson has (3.23 lacks
     * {@code sync(int, Duration)}; 4.x deprecates {@code syncSlaves} without removing it).
     */
    @SuppressWarnings("deprecation")
    private BatchOptions acknowledged() {
        return BatchOptions.defaults().syncSlaves(replicaAcks, ackWait.toMillis(), TimeUnit.MILLISECONDS)
                .retryAttempts(0);
    }

    /**
     * A claim that fewer replicas than {@code replicaAcks} acknowledged within the wait: it was released (a
     * failover now could lose it), and this request takes {@code onBackendFailure}. A Redis answer like any
     * other failed one (a late or busy Redis: counted towards the failure rate), not an unexpected error.
     */
    public static final class ReplicaAckException extends org.redisson.client.RedisException {
        private static final long serialVersionUID = 1L;

        ReplicaAckException(String message) {
            super(message);
        }
    }

    /** RLock's owner field for a request's owner id: {@code <client id>:<owner>}. */
    private String lockOwner(long owner) {
        return client.getId() + ":" + owner;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private RLock lock(String id) {
        return client.getLock(RedisKeys.lock(id));
    }

    /**
     * Reads the record from the master, whatever the client's {@code readMode} (a replica may not have the
     * record the first request wrote a moment ago, and a repeat would run); without one, gives the claim its
     * fencing token.
     */
    private CompletionStage<List<Object>> readRecordOrFence(String id, Duration lease) {
        String key = RedisKeys.record(id);
        return script.evalAsync(key, RScript.Mode.READ_WRITE, READ_OR_FENCE, RedissonVersions.LIST,
                List.of(key, RedisKeys.fence(id)), utf8(Long.toString(lease.toMillis())));
    }

    @Override
    public CompletionStage<Claim> claim(String id, long owner, Duration lease) {
        String lock = RedisKeys.lock(id);
        List<Object> keys = List.of(lock, RedisKeys.record(id), RedisKeys.fence(id));
        Object[] args = {utf8(Long.toString(lease.toMillis())), utf8(lockOwner(owner))};
        if (replicaAcks == 0) {
            CompletionStage<List<Object>> answer = ContainerThreads.call(() -> script.evalAsync(lock,
                    RScript.Mode.READ_WRITE, CLAIM, RedissonVersions.LIST, keys, args));
            return answer.thenApply(RedisSubmissionGuard::toClaim);
        }
        return ContainerThreads.call(() -> {
            // WAIT cannot run inside a script: Redisson pipelines it after the script, on the same connection to
            // the key's master, and sums the replicas it reports; no retry (a resent claim would take it twice)
            RBatch batch = client.createBatch(acknowledged());
            CompletionStage<List<Object>> answer = batch.getScript(ByteArrayCodec.INSTANCE).evalAsync(lock,
                    RScript.Mode.READ_WRITE, CLAIM, RedissonVersions.LIST, keys, args);
            return batch.executeAsync().thenCombine(answer, (result, values) -> {
                Claim claim = toClaim(values);
                int acks = result.getSyncedSlaves();
                if (claim.state() == SubmissionState.RUN && acks < replicaAcks) {
                    abandon(id, owner); // not left to its lease: a repeat must not be refused by a claim that never counted
                    throw new ReplicaAckException(acks + " of " + replicaAcks + " replicas acknowledged the claim"
                            + " within " + ackWait.toMillis() + " ms");
                }
                return claim; // a repeat's answer wrote nothing: it needs no acknowledgement
            });
        });
    }

    /**
     * How many replicas acknowledge a write now (a probe written and {@code WAIT}ed for, within
     * {@code ackWait}): the start-up check of {@code replicaAcks}.
     */
    public CompletionStage<Integer> replicasAcknowledging(String keyPrefix) {
        return ContainerThreads.call(() -> {
            RBatch batch = client.createBatch(acknowledged());
            String probe = RedisKeys.replicaProbe(keyPrefix);
            batch.getBucket(probe, ByteArrayCodec.INSTANCE).setAsync(new byte[0], 1, TimeUnit.SECONDS);
            return batch.executeAsync().thenApply(BatchResult::getSyncedSlaves);
        });
    }

    /** claim.lua's answer (and READ_OR_FENCE's) as a Claim. */
    private static Claim toClaim(List<Object> values) {
        long state = values == null || values.isEmpty() ? -1 : ((Number) values.get(0)).longValue();
        if (state == 0 && values.size() == 2 && values.get(1) instanceof Number) {
            return new Claim(SubmissionState.RUN, null, ((Number) values.get(1)).longValue());
        }
        if (state == 1) {
            return new Claim(SubmissionState.IN_FLIGHT, null);
        }
        if (state == 2 && values.size() == 2 && values.get(1) instanceof byte[]) {
            return new Claim(SubmissionState.DONE, (byte[]) values.get(1));
        }
        throw new IllegalStateException("unexpected answer from Redis: " + values);
    }

    @Override
    public CompletionStage<Claim> await(String id, long owner, Duration lease, Duration wait) {
        return ContainerThreads.call(() -> awaitUntil(id, owner, lease, System.nanoTime() + wait.toNanos()));
    }

    /**
     * RLock's wait, in slices of {@link RedissonVersions#lockWaitSlice}: where Redisson's waiter can miss an
     * unlock message (before 3.28) a missed one costs one slice, not the whole wait.
     */
    private CompletionStage<Claim> awaitUntil(String id, long owner, Duration lease, long deadline) {
        long left = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        long slice = RedissonVersions.lockWaitSlice(left);
        return lock(id).tryLockAsync(slice, lease.toMillis(), TimeUnit.MILLISECONDS, owner)
                .thenCompose(locked -> locked ? afterLocked(id, owner, lease)
                        : slice < left ? awaitUntil(id, owner, lease, deadline)
                        : CompletableFuture.completedFuture(new Claim(SubmissionState.IN_FLIGHT, null)));
    }

    /**
     * Holding the lock: a record means the submission already completed, so the lock goes straight back;
     * so it does when the record cannot be read (the request will not run, and must not block its retry).
     */
    private CompletionStage<Claim> afterLocked(String id, long owner, Duration lease) {
        CompletionStage<List<Object>> read;
        try {
            read = readRecordOrFence(id, lease);
        } catch (RuntimeException e) {
            lock(id).unlockAsync(owner);
            return CompletableFuture.failedFuture(e);
        }
        return read.handle((existing, e) -> {
            if (e != null) {
                lock(id).unlockAsync(owner);
                throw e instanceof CompletionException ? (CompletionException) e : new CompletionException(e);
            }
            Claim claim;
            try {
                claim = toClaim(existing);
            } catch (RuntimeException unexpected) {
                lock(id).unlockAsync(owner);
                throw unexpected;
            }
            if (claim.state() != SubmissionState.RUN) {
                lock(id).unlockAsync(owner);
            }
            return claim;
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
        return complete(id, owner, 0, record, keep);
    }

    /**
     * Writes the record and unlocks, unless {@code token} (when not 0) is older than the token of the record
     * already stored: then nothing is written and the answer fails with {@link StaleCompletionException}.
     */
    @Override
    public CompletionStage<Void> complete(String id, long owner, long token, byte[] record, Duration keep) {
        String lock = RedisKeys.lock(id);
        List<Object> keys = List.of(lock, RedisKeys.record(id), RedisKeys.lockChannel(lock), RedisKeys.fence(id));
        Object[] args = {record, utf8(Long.toString(keep.toMillis())), utf8(lockOwner(owner)), UNLOCK_MESSAGE,
            utf8(Long.toString(token))};
        CompletionStage<Long> answer;
        if (replicaAcks == 0) {
            answer = ContainerThreads.call(() -> script.evalAsync(lock, RScript.Mode.READ_WRITE, COMPLETE,
                    RedissonVersions.LONG, keys, args));
        } else {
            // the record is WAITed for too (off the response path: the client has its answer), so that a
            // failover right after it does not lose it; fewer acknowledgements change nothing here
            answer = ContainerThreads.call(() -> {
                RBatch batch = client.createBatch(acknowledged());
                CompletionStage<Long> completed = batch.getScript(ByteArrayCodec.INSTANCE).evalAsync(lock,
                        RScript.Mode.READ_WRITE, COMPLETE, RedissonVersions.LONG, keys, args);
                return batch.executeAsync().thenCombine(completed, (result, released) -> released);
            });
        }
        return answer.thenApply(released -> {
            if (released != null && released == -2) {
                throw new StaleCompletionException("the completion of " + id + " with fencing token " + token
                        + " was refused: a later claim already stored its record");
            }
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
