package io.tollgate.internal.submit;

import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;
import io.tollgate.internal.submit.SubmissionGuard.Claim;
import io.tollgate.internal.submit.SubmissionGuard.SubmissionState;
import io.tollgate.testing.Conditions;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * A replay-mode repeat waiting on {@link RedisSubmissionGuard#await} on a Redisson whose {@code RLock}
 * waiters can miss an unlock message (before 3.28, Redisson #5761): a lock released without any message (as
 * if the message had been missed) is still taken within a slice, not after the whole wait. Runs in the
 * {@code redisson-matrix} profile on 3.23.4; on later versions a waiter hears every message, waits whole,
 * and this case does not arise.
 */
@ExtendWith(RedisExtension.class)
class LockWaitTest {

    private static final Duration LEASE = Duration.ofMinutes(1);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Pattern SCRIPT_CALLS = Pattern.compile("cmdstat_eval(?:sha)?:calls=(\\d+)");

    @Test
    void aWaiterWhoseUnlockMessageIsMissedTakesTheLockWithinASlice(RedisServer redis) throws Exception {
        assumeFalse(RedissonVersions.atLeast("3.28.0"), "Redisson " + RedissonVersions.VERSION
                + " wakes every waiter: nothing to miss");
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url());
        RedissonClient client = Redisson.create(config);
        try (Resp admin = redis.connect()) {
            RedisSubmissionGuard guard = new RedisSubmissionGuard(client);
            String id = RedisKeys.fingerprintedSubmission(RedisExtension.uniquePrefix(), "client", "f00d");
            assertEquals(SubmissionState.RUN, guard.claim(id, -1, LEASE).toCompletableFuture().join().state());
            long tries = lockScripts(admin);
            CompletableFuture<Claim> waiting = guard.await(id, -2, LEASE, WAIT).toCompletableFuture();
            // RLock's wait: a try, the subscription, a second try; after that it waits for a message
            String channel = RedisKeys.lockChannel(RedisKeys.lock(id));
            Conditions.await(() -> (List<?>) admin.call("PUBSUB", "NUMSUB", channel),
                    n -> ((Long) n.get(1)) > 0, Duration.ofSeconds(10));
            Conditions.await(() -> lockScripts(admin), n -> n >= tries + 2, Duration.ofSeconds(10));
            assertFalse(waiting.isDone(), "the lock is held: the repeat waits");

            admin.call("DEL", RedisKeys.lock(id)); // released, and no unlock message: one missed

            // within a few slices of 200 ms; without them, not before the 30 s wait ran out (then IN_FLIGHT)
            Claim claim = waiting.get(10, TimeUnit.SECONDS);
            assertEquals(SubmissionState.RUN, claim.state(), "no record: the repeat holds the lock and runs");
            assertEquals(1L, admin.call("EXISTS", RedisKeys.lock(id)), "the repeat holds the lock");
        } finally {
            client.shutdown(0, 5, TimeUnit.SECONDS);
        }
    }

    /** Scripts Redis ran so far ({@code EVAL} and {@code EVALSHA}: RLock's tries are scripts). */
    private static long lockScripts(Resp admin) throws java.io.IOException {
        Matcher calls = SCRIPT_CALLS.matcher((String) admin.call("INFO", "commandstats"));
        long sum = 0;
        while (calls.find()) {
            sum += Long.parseLong(calls.group(1));
        }
        return sum;
    }
}
