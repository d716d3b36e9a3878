package io.tollgate.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real Redis Sentinel setup on loopback: one master and one sentinel monitoring it as {@value #MASTER_NAME}
 * (quorum 1), each its own {@code redis-server} process. The sentinel runs from a config file in its own
 * directory, since it rewrites that file. Started when constructed, ready once the sentinel names the
 * master; it writes a Redisson YAML ({@code sentinelServersConfig}) for the {@code redissonConfig} init-param.
 */
public final class RedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "mymaster";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private RedisServer master;
    private RedisServer sentinel;
    private final Path redissonYaml;

    private RedisSentinel() throws Exception {
        try {
            master = RedisServer.startNew();
            sentinel = RedisServer.startWithConfigFile("sentinel monitor " + MASTER_NAME + " " + master.host() + " "
                    + master.port() + " 1\n", "--sentinel");
            awaitMasterKnown();
            redissonYaml = Files.createTempFile(Files.createDirectories(TestApp.WORK), "redisson-sentinel-", ".yaml")
                    .toAbsolutePath();
            Files.writeString(redissonYaml, "sentinelServersConfig:\n"
                    + "  masterName: \"" + MASTER_NAME + "\"\n"
                    + "  sentinelAddresses:\n"
                    + "    - \"" + sentinel.url() + "\"\n"
                    // Redisson refuses a sentinel whose SENTINEL SENTINELS list is empty unless told not to check
                    + "  checkSentinelsList: false\n");
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts the master and the sentinel; returns once the sentinel answers with the master's address. */
    public static RedisSentinel start() throws Exception {
        return new RedisSentinel();
    }

    private void awaitMasterKnown() throws Exception {
        Conditions.await(() -> {
            try (Resp r = sentinel.connect()) {
                return r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
            }
        }, List.of(master.host(), Integer.toString(master.port()))::equals, READY_TIMEOUT);
    }

    /** The monitored master (inspect what is stored through it). */
    public RedisServer master() {
        return master;
    }

    /** The sentinel process. */
    public RedisServer sentinel() {
        return sentinel;
    }

    /** {@code file:/...}: the value of the {@code redissonConfig} init-param. */
    public String redissonConfig() {
        return "file:" + redissonYaml;
    }

    /** Stops the sentinel and the master (each by its PID). */
    @Override
    public void close() {
        if (sentinel != null) {
            sentinel.close();
        }
        if (master != null) {
            master.close();
        }
    }
}
