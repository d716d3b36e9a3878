package io.tollgate.internal.submit;

import java.time.Duration;

/**
 * One guarded request as the submission protocol sees it: which submission it is ({@link #id()}, the
 * guards' key), whose it is (the client scope its stored bytes count against), who holds its claim (a
 * per-request owner id), how long its record is kept, its fingerprint, and what the filter does next.
 * Immutable: {@link SubmissionFlow} hands out a new one when the next step changes.
 */
public final class Submission {

    /** What the filter does with the request after the claim. */
    public enum Next {
        /** Already answered (a repeat, a reused key, a bad key, a backend-failure denial): nothing more. */
        ANSWERED,
        /** Passed to the servlet unguarded (nothing to recognise a repeat by, or {@code onBackendFailure=allow}). */
        PASS,
        /** This request owns the submission: run it, then {@link SubmissionFlow#finish} it. */
        RUN
    }

    private final String id;
    private final String client;
    private final long owner;
    private final Duration keep;
    private final byte[] fingerprint;
    private final boolean keyed;
    private final Next next;
    private final boolean sharedHeld;
    private final long token;

    private Submission(Builder b, Next next, boolean sharedHeld) {
        this(b, next, sharedHeld, 0);
    }

    private Submission(Builder b, Next next, boolean sharedHeld, long token) {
        this.id = b.id;
        this.client = b.client;
        this.owner = b.owner;
        this.keep = b.keep;
        this.fingerprint = b.fingerprint;
        this.keyed = b.keyed;
        this.next = next;
        this.sharedHeld = sharedHeld;
        this.token = token;
    }

    /** The fields that name a submission, gathered before its first claim. */
    static final class Builder {
        String id;
        String client;
        long owner;
        Duration keep;
        byte[] fingerprint;
        boolean keyed;

        Submission build() {
            return new Submission(this, Next.RUN, false);
        }
    }

    /** A request that was answered or passed before any submission was named. */
    static Submission without(Next next) {
        return new Submission(new Builder(), next, false);
    }

    /** This submission with its next step; {@code sharedHeld} when the shared (Redis) claim is this request's. */
    Submission then(Next next, boolean sharedHeld) {
        return then(next, sharedHeld, 0);
    }

    /** As {@link #then(Next, boolean)}, with the shared claim's fencing token. */
    Submission then(Next next, boolean sharedHeld, long token) {
        Builder b = new Builder();
        b.id = id;
        b.client = client;
        b.owner = owner;
        b.keep = keep;
        b.fingerprint = fingerprint;
        b.keyed = keyed;
        return new Submission(b, next, sharedHeld, token);
    }

    /** What the filter does next. */
    public Next next() {
        return next;
    }

    /** The guards' key of this submission. */
    String id() {
        return id;
    }

    /** Whose bound its stored responses count against: the user or session the container vouches for, else the address. */
    String client() {
        return client;
    }

    /** The owner id of its claims: one per request, never a thread's. */
    long owner() {
        return owner;
    }

    /** How long its record keeps repeats out: {@code keyWindow} for a keyed request, else {@code window}. */
    Duration keep() {
        return keep;
    }

    byte[] fingerprint() {
        return fingerprint;
    }

    /** Whether the client named it with a key header. */
    boolean keyed() {
        return keyed;
    }

    /**
     * The fencing token of the shared claim this request holds: a number that only increases per submission
     * (a later claim of the same submission gets a larger one); 0 when it holds none (it runs on the fallback).
     */
    public long token() {
        return token;
    }

    /** Whether the shared (Redis) claim is held by this request, so its completion goes to Redis too. */
    boolean sharedHeld() {
        return sharedHeld;
    }
}
