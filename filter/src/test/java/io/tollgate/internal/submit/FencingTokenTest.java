package io.tollgate.internal.submit;

import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.submit.SubmissionGuard.Claim;
import io.tollgate.internal.submit.SubmissionGuard.StaleCompletionException;
import io.tollgate.internal.submit.SubmissionGuard.SubmissionState;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fencing token of {@link RedisSubmissionGuard} on a real Redis: every claim of one submission gets a
 * larger number, and a completion presenting an older token than the stored record's is refused and never
 * overwrites it (the claim lost its lock, as to a failover, and a later claim completed).
 */
@ExtendWith(RedisExtension.class)
class FencingTokenTest {

    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration KEEP = Duration.ofMinutes(1);
    private static RedissonClient client;
    private static RedisServer redis;

    @BeforeAll
    static void connect(RedisServer server) {
        redis = server;
        Config config = new Config();
        config.useSingleServer().setAddress(server.url());
        client = Redisson.create(config);
    }

    @AfterAll
    static void disconnect() {
        client.shutdown(0, 5, TimeUnit.SECONDS);
    }

    private static String submission() {
        return RedisKeys.fingerprintedSubmission(RedisExtension.uniquePrefix(), "client", "f00d");
    }

    private static byte[] record(String what) {
        return SubmissionRecord.response(new byte[] {1}, 201, List.of(), what.getBytes(StandardCharsets.UTF_8))
                .encode();
    }

    private static Claim claim(RedisSubmissionGuard guard, String id, long owner) {
        return guard.claim(id, owner, LEASE).toCompletableFuture().join();
    }

    /** The claim's lock vanishes, as when the master that held it failed over before replicating it. */
    private static void loseLock(String id) throws Exception {
        try (Resp r = redis.connect()) {
            r.call("DEL", RedisKeys.lock(id));
        }
    }

    @Test
    void eachClaimOfOneSubmissionGetsALargerToken() throws Exception {
        RedisSubmissionGuard guard = new RedisSubmissionGuard(client);
        String id = submission();
        long previous = 0;
        for (int owner = 1; owner <= 3; owner++) {
            Claim claim = claim(guard, id, -owner);
            assertEquals(SubmissionState.RUN, claim.state());
            assertTrue(claim.token() > previous, claim.token() + " after " + previous);
            previous = claim.token();
            guard.abandon(id, -owner).toCompletableFuture().join(); // failed: the next claim runs it again
        }
        try (Resp r = redis.connect()) {
            long ttl = (Long) r.call("PTTL", RedisKeys.fence(id));
            assertTrue(ttl > 0 && ttl <= LEASE.toMillis(), "the fence expires: " + ttl);
        }
    }

    @Test
    void aStaleCompletionIsRefusedAndTheNewerRecordStays() throws Exception {
        RedisSubmissionGuard guard = new RedisSubmissionGuard(client);
        String id = submission();
        Claim first = claim(guard, id, -1);
        loseLock(id);
        Claim second = claim(guard, id, -2);
        assertEquals(SubmissionState.RUN, second.state(), "the lock was gone: the repeat runs");
        assertTrue(second.token() > first.token());
        guard.complete(id, -2, second.token(), record("second"), KEEP).toCompletableFuture().join();

        CompletionException refused = assertThrows(CompletionException.class,
                () -> guard.complete(id, -1, first.token(), record("first"), KEEP).toCompletableFuture().join());
        assertInstanceOf(StaleCompletionException.class, refused.getCause());

        Claim repeat = claim(guard, id, -3);
        assertEquals(SubmissionState.DONE, repeat.state());
        assertEquals("second", new String(SubmissionRecord.decode(repeat.record()).body(), StandardCharsets.UTF_8));
        try (Resp r = redis.connect()) {
            assertEquals(String.valueOf(second.token()), r.call("HGET", RedisKeys.fence(id), "done"));
            long ttl = (Long) r.call("PTTL", RedisKeys.fence(id));
            assertTrue(ttl > LEASE.toMillis() && ttl <= KEEP.toMillis(), "the fence lives as long as the record: " + ttl);
        }
    }

    @Test
    void aCompletionWithTheNewestTokenIsStoredEvenAfterItsLockWasLost() throws Exception {
        RedisSubmissionGuard guard = new RedisSubmissionGuard(client);
        String id = submission();
        Claim first = claim(guard, id, -1);
        loseLock(id);
        // nothing newer completed: the record is written (the submission did run), the lock loss reported
        CompletionException lost = assertThrows(CompletionException.class,
                () -> guard.complete(id, -1, first.token(), record("first"), KEEP).toCompletableFuture().join());
        assertInstanceOf(IllegalMonitorStateException.class, lost.getCause());
        assertEquals(SubmissionState.DONE, claim(guard, id, -2).state());
    }
}
