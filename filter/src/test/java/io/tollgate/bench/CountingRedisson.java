package io.tollgate.bench;

import io.tollgate.Tollgate;
import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.redis.RedissonClients;
import io.tollgate.internal.config.SharedSettings;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Redisson client configured exactly as Tollgate configures its own for {@code redisAddress} (timeout,
 * no retries, lazy start, thread counts), plus a {@link RoundTripCounter}. Each benchmark variant gets one,
 * lent to its filters through the {@value Tollgate#REDISSON_ATTRIBUTE} context attribute.
 */
final class CountingRedisson implements AutoCloseable {

    private final RoundTripCounter counter = new RoundTripCounter();
    private final RedissonClient client;

    CountingRedisson(String redisUrl) {
        FilterParams params = FilterParams.read(new InitParams(Map.of(Tollgate.PARAM_REDIS_ADDRESS, redisUrl)),
                "Benchmark", List.of(), SharedSettings.NAMES);
        Config config = RedissonClients.config(null, SharedSettings.parse(params));
        config.setNettyHook(counter);
        client = Redisson.create(config);
    }

    RedissonClient client() {
        return client;
    }

    /** Round trips to Redis so far, per command name ({@code batch} for a pipelined batch). */
    Map<String, Long> roundTrips() {
        return counter.counts();
    }

    @Override
    public void close() {
        client.shutdown(0, 5, TimeUnit.SECONDS);
    }

    /** Init-params as a web.xml would give them, with no servlet context (so no context-params). */
    private static final class InitParams implements FilterConfig {
        private final Map<String, String> params;

        InitParams(Map<String, String> params) {
            this.params = params;
        }

        @Override
        public String getFilterName() {
            return "benchmark";
        }

        @Override
        public ServletContext getServletContext() {
            return null;
        }

        @Override
        public String getInitParameter(String name) {
            return params.get(name);
        }

        @Override
        public Enumeration<String> getInitParameterNames() {
            return Collections.enumeration(params.keySet());
        }
    }
}
