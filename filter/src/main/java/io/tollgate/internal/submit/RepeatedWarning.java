package io.tollgate.internal.submit;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * When a WARN about a condition that recurs may be logged again: the first occurrence, then at most one per
 * interval for as long as the condition lasts. Once per filter lifetime would hide a problem that comes back
 * after a quiet day; once per occurrence would flood the log while it lasts.
 */
final class RepeatedWarning {

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    /** When the last WARN went out: one interval before creation, so the first occurrence is due. */
    private final AtomicLong last;

    /**
     * @param intervalNanos shortest gap between two WARNs
     * @param nanoTime      the clock ({@code System::nanoTime}; tests move their own)
     */
    RepeatedWarning(long intervalNanos, LongSupplier nanoTime) {
        this.intervalNanos = intervalNanos;
        this.nanoTime = nanoTime;
        this.last = new AtomicLong(nanoTime.getAsLong() - intervalNanos);
    }

    /** True for the occurrence that is to be logged (one caller per interval, however many race for it). */
    boolean due() {
        long now = nanoTime.getAsLong();
        long previous = last.get();
        return now - previous >= intervalNanos && last.compareAndSet(previous, now);
    }
}
