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
        this(Map.of(Tollgate.PARAM_REDIS_ADDRESS, redisUrl), false);
    }

    /**
     * Tollgate's client before its lean pool, for the same-run comparison: Redisson's pool (24 idle connections
     * and 1 for pub/sub, at most 64) and the thread counts it had then ({@code max(4, 2 x cores)} I/O,
     * {@code max(2, cores)} workers); everything else as Tollgate configures its own.
     */
    static CountingRedisson previousPool(String redisUrl) {
        return new CountingRedisson(Map.of(Tollgate.PARAM_REDIS_ADDRESS, redisUrl), true);
    }

    private CountingRedisson(Map<String, String> initParams, boolean previousPool) {
        FilterParams params = FilterParams.read(new InitParams(initParams), "Benchmark", List.of(), SharedSettings.NAMES);
        Config config = RedissonClients.config(null, SharedSettings.parse(params));
        if (previousPool) {
            int cores = Runtime.getRuntime().availableProcessors();
            config.setNettyThreads(Math.max(4, 2 * cores));
            config.setThreads(Math.max(2, cores));
            config.useSingleServer().setConnectionMinimumIdleSize(24).setSubscriptionConnectionMinimumIdleSize(1);
        }
        config.setNettyHook(counter);
        client = Redisson.create(config);
    }

    /**
     * A master/slave client (from a {@code redissonConfig} YAML, as a user would write it) for a master and
     * its replica: what {@code replicaAcks} needs.
     */
    static CountingRedisson masterSlave(String masterUrl, String replicaUrl) {
        try {
            java.nio.file.Path yaml = java.nio.file.Files.createTempFile("tollgate-bench-", ".yaml");
            yaml.toFile().deleteOnExit();
            // no sizes or thread counts: Tollgate's defaults, as for its single-server client, so that only the
            // topology differs
            java.nio.file.Files.writeString(yaml, "masterSlaveServersConfig:\n  masterAddress: \"" + masterUrl
                    + "\"\n  slaveAddresses:\n    - \"" + replicaUrl + "\"\n");
            return new CountingRedisson(Map.of(Tollgate.PARAM_REDISSON_CONFIG, "file:" + yaml), false);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    RedissonClient client() {
        return client;
    }

    /** Round trips to Redis so far, per command name ({@code batch} for a pipelined batch). */
    Map<String, Long> roundTrips() {
        return counter.counts();
    }

    /** Limiter script calls so far by requests carried (index = requests). */
    long[] batchSizes() {
        return counter.batchSizes();
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
