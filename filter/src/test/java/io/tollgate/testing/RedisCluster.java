package io.tollgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster of three masters on loopback: slots 0-5460, 5461-10922 and 10923-16383, one
 * {@code redis-server} process each, every node in its own directory; with {@link #withReplicas()} one
 * replica per master as well. Started when constructed, ready once every node reports
 * {@code cluster_state:ok}, knows every node and (with replicas) each master has its replica online. It
 * writes a Redisson YAML ({@code clusterServersConfig}) for the filters' {@code redissonConfig} init-param.
 *
 * <p>A cluster with replicas can be failed over on purpose: {@link #failover(long)} ({@code CLUSTER FAILOVER
 * FORCE} on the replica: promoted without the master's agreement, writes it had not received are lost) or
 * {@link #killMaster(long)} (SIGKILL, the replica is elected after {@code cluster-node-timeout}). Every wait
 * has a deadline; {@link #close()} stops every process by its PID.
 */
public final class RedisCluster implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final int[][] SLOTS = {{0, 5460}, {5461, 10922}, {10923, 16383}};

    /** Longest a failover may take, from the request (or the kill) to the replica serving the slots. */
    public static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(45);

    /** The masters as started, in slot order. */
    private final List<RedisServer> nodes = new ArrayList<>();
    /** With replicas: replicas.get(i) replicates nodes.get(i) (until a failover swaps their roles). */
    private final List<RedisServer> replicas = new ArrayList<>();
    /** Who serves each slot range now (changes with a failover). */
    private final RedisServer[] serving = new RedisServer[SLOTS.length];
    private final Path redissonYaml;

    private RedisCluster(boolean withReplicas) throws Exception {
        try {
            // with replicas, a short node timeout: a killed master is replaced in seconds
            String timeout = withReplicas ? "2000" : "5000";
            // a replica syncs at once (no diskless-sync delay) and may always be promoted, however long its link
            // was down: the failover tests decide when a failover happens, not the replica's age check
            String[] args = {"--cluster-node-timeout", timeout, "--repl-diskless-sync-delay", "0",
                "--cluster-replica-validity-factor", "0"};
            for (int i = 0; i < SLOTS.length; i++) {
                nodes.add(RedisServer.startClusterNode(args));
                serving[i] = nodes.get(i);
            }
            if (withReplicas) {
                for (int i = 0; i < SLOTS.length; i++) {
                    replicas.add(RedisServer.startClusterNode(args));
                }
            }
            for (int i = 0; i < SLOTS.length; i++) {
                try (Resp r = nodes.get(i).connect()) {
                    List<String> command = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                    for (int slot = SLOTS[i][0]; slot <= SLOTS[i][1]; slot++) {
                        command.add(Integer.toString(slot)); // Redis 6.2 has no ADDSLOTSRANGE
                    }
                    expectOk(r.call(command.toArray(new String[0])));
                }
            }
            try (Resp r = nodes.get(0).connect()) {
                for (RedisServer other : all()) {
                    if (other != nodes.get(0)) {
                        expectOk(r.call("CLUSTER", "MEET", other.host(), Integer.toString(other.port())));
                    }
                }
            }
            for (int i = 0; i < replicas.size(); i++) {
                String masterId = nodeId(nodes.get(i));
                RedisServer replica = replicas.get(i);
                // the replica must have heard of its master through the cluster bus first
                Conditions.await(() -> {
                    try (Resp r = replica.connect()) {
                        return String.valueOf(r.call("CLUSTER", "NODES"));
                    }
                }, view -> view.contains(masterId), READY_TIMEOUT);
                try (Resp r = replica.connect()) {
                    expectOk(r.call("CLUSTER", "REPLICATE", masterId));
                }
            }
            awaitReady();
            StringBuilder yaml = new StringBuilder("clusterServersConfig:\n  nodeAddresses:\n");
            for (RedisServer node : nodes) {
                yaml.append("    - \"").append(node.url()).append("\"\n");
            }
            redissonYaml = Files.createTempFile(Files.createDirectories(TestApp.WORK), "redisson-cluster-", ".yaml")
                    .toAbsolutePath();
            Files.writeString(redissonYaml, yaml.toString());
        } catch (Exception | Error e) {
            close();
            throw e;
        }
    }

    /** Starts the three nodes and returns once the cluster serves every slot. */
    public static RedisCluster start() throws Exception {
        return new RedisCluster(false);
    }

    /** Starts three masters and one replica each; returns once every slot is served and every replica online. */
    public static RedisCluster withReplicas() throws Exception {
        return new RedisCluster(true);
    }

    private List<RedisServer> all() {
        List<RedisServer> all = new ArrayList<>(nodes);
        all.addAll(replicas);
        return all;
    }

    private static String nodeId(RedisServer node) throws IOException {
        try (Resp r = node.connect()) {
            return String.valueOf(r.call("CLUSTER", "MYID"));
        }
    }

    private static void expectOk(Object reply) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("expected OK from Redis, got " + reply);
        }
    }

    private void awaitReady() throws Exception {
        // "" when every node serves every slot and sees all three masters; else what the first one lacks
        Conditions.await(() -> {
            for (RedisServer node : all()) {
                try (Resp r = node.connect()) {
                    String info = (String) r.call("CLUSTER", "INFO");
                    String nodesView = (String) r.call("CLUSTER", "NODES");
                    boolean ok = info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384")
                            && info.contains("cluster_known_nodes:" + all().size())
                            && connectedMasters(nodesView) == nodes.size();
                    if (!ok) {
                        return node.port() + ": " + info.replace("\r\n", " ") + " | " + nodesView;
                    }
                }
            }
            for (RedisServer master : serving) {
                if (!replicas.isEmpty() && !RedisSentinel.info(master, "replication").contains("state=online")) {
                    return master.port() + " has no replica online";
                }
            }
            return "";
        }, String::isEmpty, READY_TIMEOUT);
    }

    /** Masters with slots that this node's CLUSTER NODES shows connected and not failing. */
    private static int connectedMasters(String clusterNodes) {
        int n = 0;
        for (String line : clusterNodes.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length > 8 && f[2].contains("master") && !f[2].contains("fail") && !f[2].contains("handshake")
                    && f[7].equals("connected")) {
                n++;
            }
        }
        return n;
    }

    /** The three masters as started, in slot order. */
    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** The node serving this slot now. */
    public synchronized RedisServer nodeForSlot(long slot) {
        return serving[range(slot)];
    }

    private static int range(long slot) {
        for (int i = 0; i < SLOTS.length; i++) {
            if (slot >= SLOTS[i][0] && slot <= SLOTS[i][1]) {
                return i;
            }
        }
        throw new IllegalArgumentException("no such slot: " + slot);
    }

    /** The replica of the node serving this slot (with replicas). */
    public synchronized RedisServer replicaForSlot(long slot) {
        int i = range(slot);
        return serving[i] == nodes.get(i) ? replicas.get(i) : nodes.get(i);
    }

    /**
     * {@code CLUSTER FAILOVER FORCE} on the replica of the master serving {@code slot}: returns the promoted
     * node once every live node sees it serving the slot and the cluster is ok.
     */
    public RedisServer failover(long slot) throws Exception {
        RedisServer replica = replicaForSlot(slot);
        try (Resp r = replica.connect()) {
            expectOk(r.call("CLUSTER", "FAILOVER", "FORCE"));
        }
        return awaitPromoted(slot, replica);
    }

    /** SIGKILL the master serving {@code slot}; returns its replica once elected and the cluster is ok. */
    public RedisServer killMaster(long slot) throws Exception {
        RedisServer replica = replicaForSlot(slot);
        nodeForSlot(slot).kill();
        return awaitPromoted(slot, replica);
    }

    /**
     * Starts a killed node again, on its port and with its {@code nodes.conf}: it rejoins as a replica of the
     * node that replaced it. Returns once its replication link is up.
     */
    public void rejoin(RedisServer killed) throws Exception {
        killed.start();
        Conditions.await(() -> RedisSentinel.info(killed, "replication"),
                i -> i.contains("role:slave") && i.contains("master_link_status:up"), FAILOVER_TIMEOUT);
    }

    private RedisServer awaitPromoted(long slot, RedisServer replica) throws Exception {
        String id = nodeId(replica);
        Conditions.await(() -> {
            for (RedisServer node : all()) {
                if (node.pid() < 0) {
                    continue;
                }
                try (Resp r = node.connect()) {
                    String info = (String) r.call("CLUSTER", "INFO");
                    String view = (String) r.call("CLUSTER", "NODES");
                    boolean promoted = false;
                    for (String line : view.split("\n")) {
                        if (line.startsWith(id + " ") && line.contains("master")) {
                            promoted = true;
                        }
                    }
                    if (!promoted || !info.contains("cluster_state:ok")) {
                        return node.port() + ": " + info.replace("\r\n", " ") + " | " + view;
                    }
                }
            }
            return "";
        }, String::isEmpty, FAILOVER_TIMEOUT);
        synchronized (this) {
            serving[range(slot)] = replica;
        }
        return replica;
    }

    /** The slot of a key, as the cluster computes it ({@code CLUSTER KEYSLOT}). */
    public long keySlot(String key) throws IOException {
        try (Resp r = serving[0].connect()) {
            return (Long) r.call("CLUSTER", "KEYSLOT", key);
        }
    }

    /** Every key matching the glob on any node serving slots. */
    public List<String> keys(String pattern) throws IOException {
        List<String> keys = new ArrayList<>();
        for (RedisServer node : List.of(serving)) {
            try (Resp r = node.connect()) {
                keys.addAll(r.keys(pattern));
            }
        }
        return keys;
    }

    /** The Redisson YAML naming the three nodes. */
    public Path redissonYaml() {
        return redissonYaml;
    }

    /** {@code file:/...}: the value of the {@code redissonConfig} init-param. */
    public String redissonConfig() {
        return "file:" + redissonYaml;
    }

    /** Stops every node process (by its PID). */
    @Override
    public void close() {
        for (RedisServer node : all()) {
            node.close();
        }
    }
}
