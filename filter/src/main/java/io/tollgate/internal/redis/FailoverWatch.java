package io.tollgate.internal.redis;

import org.redisson.api.RedissonClient;
import org.redisson.api.redisnode.RedisNode;
import org.redisson.api.redisnode.RedisNodes;
import org.slf4j.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Notices a Redis failover. Once a second it reads {@code INFO replication} of every master the client knows
 * (Cluster: each master; Sentinel and master/slave: the master) and remembers each one's replication id
 * ({@code master_replid}). A master reporting, as its {@code master_replid2}, the id an earlier master had (a
 * promoted replica keeps its old master's id there), or a known master address with a new id (restarted
 * empty), is a failover: whatever that master had not passed on is gone. Each is logged once at WARN and
 * counted. A single server is not watched (it has no replica to promote).
 */
public final class FailoverWatch implements AutoCloseable {

    private final RedissonClient client;
    private final Logger log;
    private final String logPrefix;
    private final ScheduledExecutorService timer;
    private final LongAdder failovers = new LongAdder();
    private volatile long lastFailoverNanos;
    private volatile boolean seenAny;
    /** Touched by the timer thread only. */
    private final Map<String, String> idByAddress = new HashMap<>();
    private final Set<String> knownIds = new HashSet<>();

    private FailoverWatch(RedissonClient client, Duration every, Logger log, String logPrefix) {
        this.client = client;
        this.log = log;
        this.logPrefix = logPrefix;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-failover-watch");
            t.setDaemon(true);
            t.setContextClassLoader(FailoverWatch.class.getClassLoader());
            return t;
        });
        timer.scheduleWithFixedDelay(this::poll, 0, every.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts watching (null for a single server, which cannot fail over). */
    public static FailoverWatch start(RedissonClient client, Duration every, Logger log, String logPrefix) {
        if (RedissonVersions.singleServer(client.getConfig())) {
            return null;
        }
        return new FailoverWatch(client, every, log, logPrefix);
    }

    /** Failovers noticed since the filter started. */
    public long failovers() {
        return failovers.sum();
    }

    /** Whether a failover was noticed within {@code grace} of now. */
    public boolean within(Duration grace) {
        return !grace.isZero() && failovers.sum() > 0 && System.nanoTime() - lastFailoverNanos < grace.toNanos();
    }

    private List<RedisNode> masters() {
        List<RedisNode> masters = new ArrayList<>();
        if (client.getConfig().isClusterConfig()) {
            masters.addAll(client.getRedisNodes(RedisNodes.CLUSTER).getMasters());
        } else if (client.getConfig().isSentinelConfig()) {
            masters.add(client.getRedisNodes(RedisNodes.SENTINEL_MASTER_SLAVE).getMaster());
        } else {
            masters.add(client.getRedisNodes(RedisNodes.MASTER_SLAVE).getMaster());
        }
        return masters;
    }

    private void poll() {
        try {
            for (RedisNode master : masters()) {
                if (master == null) {
                    continue;
                }
                Map<String, String> info = master.info(RedisNode.InfoSection.REPLICATION);
                String address = String.valueOf(master.getAddr());
                String id = info.get("master_replid");
                String previous = info.get("master_replid2");
                if (id == null) {
                    continue;
                }
                boolean promoted = previous != null && knownIds.contains(previous) && !knownIds.contains(id);
                boolean replaced = idByAddress.containsKey(address) && !idByAddress.get(address).equals(id)
                        && !knownIds.contains(id);
                if (seenAny && (promoted || replaced)) {
                    lastFailoverNanos = System.nanoTime();
                    failovers.increment();
                    log.warn("{} Redis failed over: {} is a master with a new replication id ({}); writes its old"
                            + " master had not passed on are lost, so a repeat of a submission completed just"
                            + " before may run again", logPrefix, address, promoted ? "a promoted replica" : "restarted");
                }
                idByAddress.put(address, id);
                knownIds.add(id);
            }
            seenAny = seenAny || !knownIds.isEmpty();
        } catch (RuntimeException e) {
            // Redis unreachable or mid-failover: the next poll asks again (requests learn it on their own path)
            log.debug("{} failover watch: {}", logPrefix, e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
