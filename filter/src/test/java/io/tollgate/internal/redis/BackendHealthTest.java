package io.tollgate.internal.redis;

import io.tollgate.BackendFailurePolicy;
import org.junit.jupiter.api.Test;
import org.redisson.client.RedisConnectionException;
import org.redisson.client.RedisException;
import org.redisson.client.RedisLoadingException;
import org.redisson.client.RedisReadonlyException;
import org.redisson.client.RedisResponseTimeoutException;

import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The health rule: down on connection-level failures at once, on timeouts only when most recent calls failed. */
class BackendHealthTest {

    private final BackendHealth health = new BackendHealth("test", BackendFailurePolicy.LOCAL);

    @Test
    void oneSlowCallAmongHealthyOnesLeavesRedisUp() {
        for (int i = 0; i < 50; i++) {
            health.succeeded();
            if (i % 5 == 0) {
                health.slow(new TimeoutException());
            }
        }
        assertEquals("UP", health.state());
        assertEquals(10, health.slowCalls());
    }

    @Test
    void whileTheStartUpCallIsPendingLateCallsNeverMarkRedisDown() {
        java.util.concurrent.CompletableFuture<Object> startUp = new java.util.concurrent.CompletableFuture<>();
        health.connectingUntil(startUp);
        for (int i = 0; i < 50; i++) {
            health.slow(new TimeoutException());
        }
        assertEquals("UP", health.state());
        startUp.complete("connected");
        for (int i = 0; i < 5; i++) {
            health.slow(new TimeoutException());
        }
        assertEquals("DOWN", health.state());
    }

    @Test
    void aLateCallIsNoEvidenceWhenRedisAnsweredAnotherCallSinceItWasIssued() {
        long issued = System.nanoTime();
        health.succeeded(); // another call's answer, after this one was issued
        for (int i = 0; i < 20; i++) {
            health.late(new TimeoutException(), issued, false);
        }
        assertEquals("UP", health.state());
        assertEquals(20, health.slowCalls());
    }

    @Test
    void lateCallsMeetingSilenceMarkRedisDownAsTimeoutsDid() {
        health.succeeded();
        long issued = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            health.late(new TimeoutException(), issued, false);
        }
        assertEquals("UP", health.state());
        health.late(new TimeoutException(), issued, false);
        assertEquals("DOWN", health.state()); // 4 silent of 5
    }

    @Test
    void whenCrowdedOnlySilenceLastingUntilMaxWaitCounts() throws Exception {
        health.succeeded();
        long issued = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            health.late(new TimeoutException(), issued, true);
        }
        assertEquals("UP", health.state(), "a flooded app server looks silent too");
        java.util.concurrent.CompletableFuture<Void> wentDown = health.wentDown();
        for (int i = 0; i < 4; i++) {
            health.stillSilent(new TimeoutException(), issued);
        }
        assertEquals("DOWN", health.state());
        assertEquals(true, wentDown.isDone(), "requests still waiting are told at once");
        health.succeeded();
        assertEquals("UP", health.state());
        assertEquals(false, health.wentDown().isDone());
    }

    @Test
    void aConnectionFailureWhileConnectingMarksRedisDown() {
        health.connectingUntil(new java.util.concurrent.CompletableFuture<>());
        health.connectionFailed(new RedisConnectionException("connect timed out"));
        assertEquals("DOWN", health.state());
    }

    @Test
    void timeoutsMarkRedisDownOnlyOnceAtLeastFiveRecentCallsEnded() {
        health.succeeded();
        for (int i = 0; i < 3; i++) {
            health.slow(new TimeoutException());
            assertEquals("UP", health.state(), "after " + (i + 1) + " timeouts"); // fewer than 5 calls
        }
        health.slow(new TimeoutException());
        assertEquals("DOWN", health.state()); // 4 of 5
    }

    @Test
    void halfOfRecentCallsFailingIsEnough() {
        for (int i = 0; i < 6; i++) {
            health.succeeded();
        }
        for (int i = 0; i < 5; i++) {
            health.slow(new TimeoutException());
        }
        assertEquals("UP", health.state()); // 5 of 11
        health.slow(new TimeoutException());
        assertEquals("DOWN", health.state()); // 6 of 12
    }

    @Test
    void aConnectionFailureMarksRedisDownAtOnceAndAnAnswerBringsItBack() {
        health.connectionFailed(new RedisConnectionException("refused"));
        assertEquals("DOWN", health.state());
        health.succeeded();
        assertEquals("UP", health.state());
    }

    @Test
    void keyErrorsNeverChangeTheState() {
        for (int i = 0; i < 30; i++) {
            health.keyFailed();
        }
        assertEquals("UP", health.state());
        assertEquals(30, health.failures());
    }

    @Test
    void failuresAreClassifiedByWhatTheySayAboutRedis() {
        assertEquals(BoundedCall.Outcome.SLOW, BoundedCall.classify(new TimeoutException()));
        assertEquals(BoundedCall.Outcome.SLOW, BoundedCall.classify(new RedisResponseTimeoutException("late")));
        assertEquals(BoundedCall.Outcome.DOWN, BoundedCall.classify(new RedisConnectionException("refused")));
        assertEquals(BoundedCall.Outcome.DOWN, BoundedCall.classify(new CompletionException(new ConnectException())));
        assertEquals(BoundedCall.Outcome.DOWN, BoundedCall.classify(new RedisLoadingException("LOADING")));
        assertEquals(BoundedCall.Outcome.DOWN, BoundedCall.classify(new RedisReadonlyException("READONLY")));
        assertEquals(BoundedCall.Outcome.KEY_ERROR, BoundedCall.classify(new RedisException(
                "WRONGTYPE Operation against a key holding the wrong kind of value")));
        assertEquals(BoundedCall.Outcome.KEY_ERROR, BoundedCall.classify(new RedisException("ERR user_script:1: bad")));
        assertEquals(BoundedCall.Outcome.SLOW, BoundedCall.classify(new RedisException("BUSY Redis is busy")));
    }
}
