package io.tollgate.internal.submit;

/** What DoubleSubmitFilter answered a guarded request: each is one counter of its MXBean. */
public enum Verdict {
    /** The first of its kind: it ran. */
    FIRST,
    /** A repeat answered 409. */
    DUPLICATE,
    /** A repeat answered with the first's stored response. */
    REPLAYED,
    /** A key header reused for another request: 422. */
    KEY_REUSED,
    /** Passed on without a guard: no key header and no body to fingerprint. */
    UNGUARDED
}
