package io.tollgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Sentinel setup on loopback, each node its own {@code redis-server} process: a master, its
 * replicas and the sentinels monitoring it as {@value #MASTER_NAME}. Each sentinel runs from a config file in
 * its own directory, since it rewrites that file. Started when constructed, ready once every sentinel names
 * the master (and the master reports every replica online); it writes a Redisson YAML
 * ({@code sentinelServersConfig}) for the {@code redissonConfig} init-param.
 *
 * <p>For failover tests ({@link #start(int, int)}) each replica replicates through its own {@link FaultProxy}
 * ({@link #laggingReplicas}: the replicas stop receiving writes while the master goes on accepting them, as
 * when a replication link stalls), and the setup can be failed over on purpose: {@link #failover()}
 * ({@code SENTINEL FAILOVER}) or {@link #killMaster()} (SIGKILL, the sentinels agree and promote). Every wait
 * has a deadline; {@link #close()} stops every process by its PID.
 */
public final class RedisSentinel implements AutoCloseable {

    public static final String MASTER_NAME = "mymaster";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    /** Longest a failover may take, from the request (or the kill) to the sentinels naming the new master. */
    public static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(45);

    /** Data nodes: the first master, then the replicas. */
    private final List<RedisServer> servers = new ArrayList<>();
    /** Replication links, one per replica (empty for the plain setup). */
    private final List<FaultProxy> links = new ArrayList<>();
    private final List<RedisServer> sentinels = new ArrayList<>();
    private final Path redissonYaml;

    private RedisSentinel(int replicas, int sentinelCount) throws Exception {
        try {
            RedisServer first = RedisServer.startNew("--repl-diskless-sync-delay", "0");
            servers.add(first);
            for (int i = 0; i < replicas; i++) {
                FaultProxy link = FaultProxy.to(first);
                links.add(link);
                servers.add(RedisServer.startNew("--replicaof", "127.0.0.1", Integer.toString(link.port()),
                        "--repl-timeout", "60"));
            }
            if (replicas > 0) {
                awaitReplicasOnline(first, replicas);
            }
            int quorum = sentinelCount / 2 + 1;
            for (int i = 0; i < sentinelCount; i++) {
                // quick detection (1 s down-after); a long failover-timeout, so that a sentinel never "fixes"
                // a replica's address (it would bypass the replication proxy) while a test runs
                String monitor = "sentinel monitor " + MASTER_NAME + " " + first.host() + " " + first.port() + " "
                        + quorum + "\n";
                sentinels.add(RedisServer.startWithConfigFile(replicas == 0 ? monitor : monitor
                        + "sentinel down-after-milliseconds " + MASTER_NAME + " 1000\n"
                        + "sentinel failover-timeout " + MASTER_NAME + " 180000\n"
                        + "sentinel parallel-syncs " + MASTER_NAME + " " + replicas + "\n",
                        "--sentinel"));
            }
            awaitMasterKnown(first);
            StringBuilder yaml = new StringBuilder("sentinelServersConfig:\n")
                    .append("  masterName: \"").append(MASTER_NAME).append("\"\n")
                    .append("  sentinelAddresses:\n");
            for (RedisServer s : sentinels) {
                yaml.append("    - \"").append(s.url()).append("\"\n");
            }
            // Redisson refuses a sentinel whose SENTINEL SENTINELS list is empty unless told not to check
            yaml.append("  checkSentinelsList: false\n");
            redissonYaml = Files.createTempFile(Files.createDirectories(TestApp.WORK), "redisson-sentinel-", ".yaml")
                    .toAbsolutePath();
            Files.writeString(redissonYaml, yaml.toString());
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts a master and one sentinel (quorum 1); returns once the sentinel answers with the master's address. */
    public static RedisSentinel start() throws Exception {
        return new RedisSentinel(0, 1);
    }

    /**
     * Starts a master, {@code replicas} replicas (each through its own replication proxy) and {@code sentinels}
     * sentinels (quorum: a majority); returns once the replicas are online and every sentinel names the master.
     */
    public static RedisSentinel start(int replicas, int sentinels) throws Exception {
        return new RedisSentinel(replicas, sentinels);
    }

    private static void awaitReplicasOnline(RedisServer master, int replicas) throws Exception {
        Conditions.await(() -> info(master, "replication"),
                info -> info.contains("connected_slaves:" + replicas)
                        && count(info, "state=online") == replicas, READY_TIMEOUT);
    }

    private void awaitMasterKnown(RedisServer master) throws Exception {
        for (RedisServer s : sentinels) {
            Conditions.await(() -> masterAddress(s), List.of(master.host(), Integer.toString(master.port()))::equals,
                    READY_TIMEOUT);
        }
    }

    private static Object masterAddress(RedisServer sentinel) throws IOException {
        try (Resp r = sentinel.connect()) {
            return r.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
        }
    }

    /** {@code INFO section} of a server. */
    public static String info(RedisServer server, String section) throws IOException {
        try (Resp r = server.connect()) {
            return String.valueOf(r.call("INFO", section));
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** The master as the first live sentinel names it now (inspect what is stored through it). */
    public RedisServer master() {
        for (RedisServer s : sentinels) {
            if (s.pid() < 0) {
                continue;
            }
            try {
                Object address = masterAddress(s);
                if (address instanceof List && ((List<?>) address).size() == 2) {
                    int port = Integer.parseInt(String.valueOf(((List<?>) address).get(1)));
                    for (RedisServer server : servers) {
                        if (server.port() == port) {
                            return server;
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // ask the next sentinel
            }
        }
        throw new IllegalStateException("no sentinel names a master of this setup");
    }

    /** The data nodes that are not the current master and still run. */
    public List<RedisServer> replicas() {
        RedisServer master = master();
        List<RedisServer> replicas = new ArrayList<>();
        for (RedisServer server : servers) {
            if (server != master && server.pid() > 0) {
                replicas.add(server);
            }
        }
        return replicas;
    }

    /** The first sentinel process. */
    public RedisServer sentinel() {
        return sentinels.get(0);
    }

    /**
     * Whether the replicas receive the master's writes ({@code false}: every replication link black-holes,
     * connections stay open, so the replicas look healthy and fall behind; what they miss is gone).
     */
    public RedisSentinel laggingReplicas(boolean lagging) {
        for (FaultProxy link : links) {
            link.blackHole(lagging);
        }
        return this;
    }

    /**
     * {@code SENTINEL FAILOVER}: a replica is promoted without waiting for the others to agree (writes it had
     * not received are lost). Returns the new master once every sentinel names it and it answers as master.
     */
    public RedisServer failover() throws Exception {
        RedisServer old = master();
        try (Resp r = sentinel().connect()) {
            Object ok = r.call("SENTINEL", "FAILOVER", MASTER_NAME);
            if (!"OK".equals(ok)) {
                throw new IllegalStateException("SENTINEL FAILOVER answered " + ok);
            }
        }
        return awaitNewMaster(old);
    }

    /** SIGKILL the master; returns the replica the sentinels promoted, once each names it and it is master. */
    public RedisServer killMaster() throws Exception {
        RedisServer old = master();
        old.kill();
        return awaitNewMaster(old);
    }

    private RedisServer awaitNewMaster(RedisServer old) throws Exception {
        RedisServer promoted = Conditions.await(this::master, m -> m != old, FAILOVER_TIMEOUT);
        for (RedisServer s : sentinels) {
            Conditions.await(() -> masterAddress(s), a -> List.of(promoted.host(),
                    Integer.toString(promoted.port())).equals(a), FAILOVER_TIMEOUT);
        }
        Conditions.await(() -> info(promoted, "replication"), i -> i.contains("role:master"), FAILOVER_TIMEOUT);
        return promoted;
    }

    /** {@code file:/...}: the value of the {@code redissonConfig} init-param. */
    public String redissonConfig() {
        return "file:" + redissonYaml;
    }

    /** Stops the sentinels, the replication proxies and every data node (each process by its PID). */
    @Override
    public void close() {
        for (RedisServer s : sentinels) {
            s.close();
        }
        for (FaultProxy link : links) {
            link.close();
        }
        for (RedisServer server : servers) {
            server.close();
        }
    }
}
