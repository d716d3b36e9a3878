package io.tollgate.testing;

import java.time.Duration;
import java.util.function.Predicate;

/** Waits for a condition with a deadline, instead of sleeping to line up time windows. */
public final class Conditions {

    /** Something to ask again. */
    public interface Probe<T> {
        T get() throws Exception;
    }

    private Conditions() {
    }

    /** Calls {@code probe} until its answer passes {@code test}; fails after {@code timeout}. */
    public static <T> T await(Probe<T> probe, Predicate<T> test, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        do {
            last = probe.get();
            if (test.test(last)) {
                return last;
            }
            Thread.sleep(25);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("condition not met within " + timeout + "; last answer: " + last);
    }
}
