package io.tollgate.internal.submit;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * Makes sure one submission runs once: the first request claims it, repeats learn whether it is still
 * running or what it left behind. Claims are owned by a request (an owner id), not by a thread, so a
 * pooled thread never re-enters a claim an earlier request still holds, and any thread may finish it.
 * Knows nothing of servlets.
 */
public interface SubmissionGuard {

    /** What a claim found. */
    enum SubmissionState {
        /** The caller owns the submission and must run it, then {@code complete} or {@code abandon} it. */
        RUN,
        /** Another request is running it now. */
        IN_FLIGHT,
        /** It ran and completed within its window; {@link Claim#record()} is what it left. */
        DONE
    }

    /** The answer to a claim. */
    final class Claim {
        private final SubmissionState state;
        private final byte[] record;
        private final long token;

        public Claim(SubmissionState state, byte[] record) {
            this(state, record, 0);
        }

        /** A claim with its fencing token (0: none, as from a guard that gives none). */
        public Claim(SubmissionState state, byte[] record, long token) {
            this.state = state;
            this.record = record;
            this.token = token;
        }

        /**
         * For {@link SubmissionState#RUN}: the fencing token, a number that only increases per submission
         * (a later claim of the same submission gets a larger one); 0 when this guard gives none.
         */
        public long token() {
            return token;
        }

        public SubmissionState state() {
            return state;
        }

        /** For {@link SubmissionState#DONE}: the completion record. */
        public byte[] record() {
            return record;
        }
    }

    /** Claims the submission without waiting. */
    CompletionStage<Claim> claim(String id, long owner, Duration lease);

    /**
     * Waits up to {@code wait} for a running submission to finish, then claims it: DONE with its record,
     * RUN when it ended without one (it failed, so this request runs it), IN_FLIGHT when still running.
     */
    CompletionStage<Claim> await(String id, long owner, Duration lease, Duration wait);

    /** Stores the completion record for {@code keep}, then releases the claim. */
    CompletionStage<Void> complete(String id, long owner, byte[] record, Duration keep);

    /**
     * As {@link #complete(String, long, byte[], Duration)}, presenting the claim's fencing token: fails with
     * {@link StaleCompletionException} (and stores nothing) when a claim with a newer token already stored
     * its record. A guard without tokens ignores it.
     */
    default CompletionStage<Void> complete(String id, long owner, long token, byte[] record, Duration keep) {
        return complete(id, owner, record, keep);
    }

    /**
     * A completion refused because its fencing token is older than the stored record's: this claim had lost
     * its lock (its lease ran out, or a failover lost it) and a later claim of the same submission completed.
     */
    final class StaleCompletionException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public StaleCompletionException(String message) {
            super(message);
        }
    }

    /** Releases the claim without a record: a repeat may run it again. */
    CompletionStage<Void> abandon(String id, long owner);
}
