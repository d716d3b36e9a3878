package io.tollgate.internal.ratelimit.engine;

import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;

import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * An engine that decides several requests for one key in one Redis call: the engines whose script can
 * ({@code sliding-log}, {@code token-bucket}). {@link HotKeyCombiner} builds on it.
 */
public interface BatchLimiter extends Engine {

    /**
     * Decides {@code costs.length} requests for {@code key}, in this order, in one script run at one Redis
     * time, exactly as that many separate calls in that order would have: request {@code i} takes
     * {@code costs[i]} permits of every limit, or none. Each gets its own answer (admitted, remaining, waits)
     * and, when admitted, its own permit id for {@link #release}.
     */
    CompletionStage<List<RateDecision>> tryAcquireAll(String key, List<Limit> limits, long[] costs);
}
