package io.tollgate.internal.submit;

import io.tollgate.internal.submit.SubmissionGuard.SubmissionState;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The in-process guard of onBackendFailure=local: the Redis guard's semantics on one instance, bounded. */
class LocalSubmissionGuardTest {

    private static final Duration LEASE = Duration.ofSeconds(60);
    private static final Duration KEEP = Duration.ofSeconds(10);

    private final AtomicLong now = new AtomicLong();

    private SubmissionState claim(LocalSubmissionGuard guard, String id, long owner) {
        return guard.claim(id, owner, LEASE).toCompletableFuture().join().state();
    }

    @Test
    void theFirstRunsARepeatIsInFlightThenDoneWithTheRecordUntilTheWindowEnds() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 100, 1024);
        assertEquals(SubmissionState.RUN, claim(guard, "a", 1));
        assertEquals(SubmissionState.IN_FLIGHT, claim(guard, "a", 2));
        guard.complete("a", 1, new byte[] {7}, KEEP);
        SubmissionGuard.Claim repeat = guard.claim("a", 3, LEASE).toCompletableFuture().join();
        assertEquals(SubmissionState.DONE, repeat.state());
        assertArrayEquals(new byte[] {7}, repeat.record());
        now.addAndGet(KEEP.toNanos() - 1);
        assertEquals(SubmissionState.DONE, claim(guard, "a", 4));
        now.addAndGet(1);
        assertEquals(SubmissionState.RUN, claim(guard, "a", 5));
    }

    @Test
    void anAbandonedClaimLetsTheRepeatRunAndOnlyItsOwnerCanEndIt() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 100, 1024);
        assertEquals(SubmissionState.RUN, claim(guard, "a", 1));
        guard.abandon("a", 2); // not the owner: nothing happens
        assertEquals(SubmissionState.IN_FLIGHT, claim(guard, "a", 3));
        guard.abandon("a", 1);
        assertEquals(SubmissionState.RUN, claim(guard, "a", 4));
    }

    @Test
    void aClaimOutlivingItsLeaseNoLongerHoldsOffARepeat() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 100, 1024);
        assertEquals(SubmissionState.RUN, claim(guard, "a", 1));
        now.addAndGet(LEASE.toNanos() - 1);
        assertEquals(SubmissionState.IN_FLIGHT, claim(guard, "a", 2));
        now.addAndGet(1);
        assertEquals(SubmissionState.RUN, claim(guard, "a", 3));
    }

    @Test
    void atMostMaxEntriesAreKeptOldestRecordsDroppedFirst() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 3, 1024);
        for (int i = 0; i < 3; i++) {
            claim(guard, "r" + i, i);
            guard.complete("r" + i, i, new byte[] {1}, KEEP);
        }
        assertEquals(SubmissionState.RUN, claim(guard, "new", 9));
        assertEquals(SubmissionState.RUN, claim(guard, "r0", 10)); // the oldest record was dropped
        assertEquals(SubmissionState.DONE, claim(guard, "r2", 11));
    }

    @Test
    void recordsAreBoundedInBytes() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 100, 10);
        claim(guard, "a", 1);
        guard.complete("a", 1, new byte[6], KEEP);
        claim(guard, "b", 2);
        guard.complete("b", 2, new byte[6], KEEP); // 12 bytes > 10: the older record goes
        assertEquals(SubmissionState.RUN, claim(guard, "a", 3));
        assertEquals(SubmissionState.DONE, claim(guard, "b", 4));
    }

    @Test
    void whenEveryEntryIsARunningRequestANewOneRunsUntracked() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 2, 1024);
        claim(guard, "a", 1);
        claim(guard, "b", 2);
        assertEquals(SubmissionState.RUN, claim(guard, "c", 3));
        assertEquals(SubmissionState.RUN, claim(guard, "c", 4)); // not tracked: the bound holds
    }

    @Test
    void tenThousandRandomKeysDoNotMakeEveryLaterClaimSweepAFullTable() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 1000, 1L << 30);
        for (int i = 0; i < 10_000; i++) {
            assertEquals(SubmissionState.RUN, claim(guard, "key-" + i, i));
            guard.complete("key-" + i, i, new byte[] {1}, Duration.ofHours(24));
        }
        // full of live records: a sweep frees a quarter (the oldest records), so 9,000 more keys cost at most 36
        assertTrue(guard.sweeps() <= 40, guard.sweeps() + " sweeps");
        assertEquals(SubmissionState.DONE, claim(guard, "key-9999", -1)); // the newest record is kept
    }

    @Test
    void aTableFullOfRunningRequestsIsNotSweptAgainBeforeALeaseEndsOrOneCompletes() {
        LocalSubmissionGuard guard = new LocalSubmissionGuard(now::get, 100, 1L << 30);
        for (int i = 0; i < 100; i++) {
            assertEquals(SubmissionState.RUN, claim(guard, "running-" + i, i));
        }
        for (int i = 0; i < 1000; i++) {
            assertEquals(SubmissionState.RUN, claim(guard, "untracked-" + i, 1000 + i)); // runs, untracked
        }
        assertEquals(1, guard.sweeps());
        guard.complete("running-0", 0, new byte[] {1}, KEEP);
        assertEquals(SubmissionState.RUN, claim(guard, "next", 5000));
        assertEquals(2, guard.sweeps());
        assertEquals(SubmissionState.IN_FLIGHT, claim(guard, "next", 5001)); // it found room: tracked
    }
}
