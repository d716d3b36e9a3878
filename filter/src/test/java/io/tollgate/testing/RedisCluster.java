package io.tollgate.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Redis Cluster of three masters on loopback (no replicas): slots 0-5460, 5461-10922 and
 * 10923-16383, one {@code redis-server} process each, every node in its own directory. Started when
 * constructed, ready once every node reports {@code cluster_state:ok} and knows all three. It writes a
 * Redisson YAML ({@code clusterServersConfig}) for the filters' {@code redissonConfig} init-param.
 */
public final class RedisCluster implements AutoCloseable {

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final int[][] SLOTS = {{0, 5460}, {5461, 10922}, {10923, 16383}};

    private final List<RedisServer> nodes = new ArrayList<>();
    private final Path redissonYaml;

    private RedisCluster() throws Exception {
        try {
            for (int i = 0; i < SLOTS.length; i++) {
                nodes.add(RedisServer.startClusterNode("--cluster-node-timeout", "5000"));
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
                for (int i = 1; i < nodes.size(); i++) {
                    expectOk(r.call("CLUSTER", "MEET", nodes.get(i).host(), Integer.toString(nodes.get(i).port())));
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
        return new RedisCluster();
    }

    private static void expectOk(Object reply) {
        if (!"OK".equals(reply)) {
            throw new IllegalStateException("expected OK from Redis, got " + reply);
        }
    }

    private void awaitReady() throws Exception {
        // "" when every node serves every slot and sees all three masters; else what the first one lacks
        Conditions.await(() -> {
            for (RedisServer node : nodes) {
                try (Resp r = node.connect()) {
                    String info = (String) r.call("CLUSTER", "INFO");
                    String nodesView = (String) r.call("CLUSTER", "NODES");
                    boolean ok = info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384")
                            && info.contains("cluster_known_nodes:" + nodes.size())
                            && connectedMasters(nodesView) == nodes.size();
                    if (!ok) {
                        return node.port() + ": " + info.replace("\r\n", " ") + " | " + nodesView;
                    }
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

    /** The three nodes, in slot order. */
    public List<RedisServer> nodes() {
        return List.copyOf(nodes);
    }

    /** The node serving this slot. */
    public RedisServer nodeForSlot(long slot) {
        for (int i = 0; i < SLOTS.length; i++) {
            if (slot >= SLOTS[i][0] && slot <= SLOTS[i][1]) {
                return nodes.get(i);
            }
        }
        throw new IllegalArgumentException("no such slot: " + slot);
    }

    /** The slot of a key, as the cluster computes it ({@code CLUSTER KEYSLOT}). */
    public long keySlot(String key) throws IOException {
        try (Resp r = nodes.get(0).connect()) {
            return (Long) r.call("CLUSTER", "KEYSLOT", key);
        }
    }

    /** Every key matching the glob on any node. */
    public List<String> keys(String pattern) throws IOException {
        List<String> keys = new ArrayList<>();
        for (RedisServer node : nodes) {
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
        for (RedisServer node : nodes) {
            node.close();
        }
    }
}
