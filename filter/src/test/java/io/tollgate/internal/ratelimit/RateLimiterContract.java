package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.testing.Conditions;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What every {@link RateLimiter} promises, one layer below the filters (as Bucket4j's TCK does for its
 * backends): what is left, when a permit comes back, all limits or none, giving back, and permits returning
 * once their period has passed. Run over the three Redis engines, the in-process limiter of
 * {@code onBackendFailure=local} and the {@link RejectionMemory} in front of a limiter.
 *
 * <p>Time: a limiter with an injectable clock has it moved ({@link #elapse}), never slept on; the Redis
 * engines keep Redis's clock, so there the contract waits on a condition with a deadline instead.
 *
 * <p>Where a limiter differs on purpose, it says so by overriding {@link #givesBack()} or
 * {@link #longestWait(Limit)}, and nowhere else.
 */
abstract class RateLimiterContract {

    /** The limiter under test (one per test). */
    abstract RateLimiter limiter();

    /** The algorithm the limits given to this limiter are kept by. */
    abstract Algorithm algorithm();

    /** A key no other test uses. */
    abstract String key();

    /** Lets {@code time} pass on the limiter's clock; a limiter on Redis's clock waits in {@link #eventually} instead. */
    void elapse(Duration time) {
    }

    /** How much higher than exact a reported remaining may be (rratelimiter reads it beside the acquire). */
    long remainingSlack() {
        return 0;
    }

    /** Whether {@link RateLimiter#release} gives a permit back. */
    boolean givesBack() {
        return true;
    }

    /** The longest a rejection may ask to wait for {@code limit}: its period. */
    long longestWait(Limit limit) {
        return limit.period().toMillis();
    }

    /** Whether this limiter takes limits of {@code algorithm} (an engine takes its own; the fallbacks take all). */
    boolean takes(Algorithm algorithm) {
        return algorithm == algorithm();
    }

    List<Limit> limits(String text) {
        return Limit.parseAll(text, algorithm());
    }

    RateDecision take(List<Limit> limits) {
        return limiter().tryAcquire(key(), limits).toCompletableFuture().join();
    }

    /** Takes until admitted: at once on a moved clock, within a deadline on Redis's. */
    RateDecision eventually(List<Limit> limits) throws Exception {
        return Conditions.await(() -> take(limits), RateDecision::admitted, Duration.ofSeconds(15));
    }

    void assertRemaining(long expected, RateDecision d, int limit) {
        long r = d.remaining(limit);
        assertTrue(r >= expected && r <= expected + remainingSlack(),
                "remaining of limit " + limit + " was " + r + ", expected " + expected);
    }

    @Test
    void eachAdmissionCountsDownWhatIsLeftUntilARejection() {
        List<Limit> limits = limits("3/10s");
        for (int left = 2; left >= 0; left--) {
            RateDecision d = take(limits);
            assertTrue(d.admitted());
            assertRemaining(left, d, 0);
        }
        RateDecision rejected = take(limits);
        assertFalse(rejected.admitted());
        assertEquals(0, rejected.remaining(0));
    }

    @Test
    void aRejectionSaysHowLongUntilAPermitComesBackAtMostTheLongestWait() {
        List<Limit> limits = limits("2/10s");
        take(limits);
        take(limits);
        RateDecision rejected = take(limits);
        assertFalse(rejected.admitted());
        long wait = rejected.retryAfterMillis();
        assertTrue(wait > 0 && wait <= longestWait(limits.get(0)), "retry-after " + wait + " ms");
    }

    @Test
    void aRequestRejectedByOneLimitTakesNothingFromTheOthers() throws Exception {
        List<Limit> limits = limits("2/1s, 3/1h");
        assertTrue(take(limits).admitted());
        assertTrue(take(limits).admitted());
        for (int i = 0; i < 3; i++) {
            assertFalse(take(limits).admitted()); // each would have spent the hour's last permit
        }
        elapse(Duration.ofMillis(longestWait(limits.get(0))));
        RateDecision third = eventually(limits);
        assertRemaining(0, third, 1);
        elapse(Duration.ofMillis(longestWait(limits.get(0))));
        RateDecision fourth = take(limits);
        assertFalse(fourth.admitted());
        assertEquals(0, fourth.remaining(1));
    }

    @Test
    void aPermitGivenBackCanBeTakenAgain() {
        List<Limit> limits = limits("2/10s");
        assertTrue(take(limits).admitted());
        RateDecision second = take(limits);
        assertTrue(second.admitted());
        limiter().release(second).toCompletableFuture().join();
        assertEquals(givesBack(), take(limits).admitted());
        assertFalse(take(limits).admitted());
    }

    @Test
    void permitsComeBackOnceTheirPeriodHasPassed() throws Exception {
        List<Limit> limits = limits("2/1s");
        take(limits);
        take(limits);
        assertFalse(take(limits).admitted());
        elapse(Duration.ofMillis(longestWait(limits.get(0))));
        assertTrue(eventually(limits).admitted());
        assertTrue(eventually(limits).admitted());
        assertFalse(take(limits).admitted());
    }

    @Test
    void aTokenBucketsBurstIsHowManyMayComeAtOnce() {
        assumeTrue(takes(Algorithm.TOKEN_BUCKET), "burst is token-bucket's");
        List<Limit> limits = Limit.policyLimits("10/1s", Algorithm.TOKEN_BUCKET, "2");
        assertTrue(take(limits).admitted());
        assertTrue(take(limits).admitted());
        RateDecision third = take(limits);
        assertFalse(third.admitted());
        assertTrue(third.retryAfterMillis() <= 100, "a token every 100 ms; retry-after " + third.retryAfterMillis());
    }
}
