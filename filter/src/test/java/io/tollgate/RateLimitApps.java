package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;

/** A RateLimitFilter named {@code api} with the default algorithm, for tests that are not about the algorithm. */
final class RateLimitApps {

    private RateLimitApps() {
    }

    static FilterSpec limiter(RedisServer redis, String... params) {
        FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redis.url())
                .param("keyPrefix", RedisExtension.uniquePrefix());
        for (int i = 0; i + 1 < params.length; i += 2) {
            filter.param(params[i], params[i + 1]);
        }
        return filter;
    }

    static TestApp app(TestApp.Kind kind, RedisServer redis, CountingServlet servlet, String... params)
            throws TestApp.StartupFailure {
        return kind.builder().filter(limiter(redis, params)).servlet("/*", servlet).start();
    }
}
