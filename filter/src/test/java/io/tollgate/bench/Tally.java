package io.tollgate.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Everything measured for one variant, summed over its rounds. */
final class Tally {

    final Variant variant;
    long requests;
    long nanos;
    long errors;
    long commands;
    long evalsha;
    long eval;
    long roundTrips;
    final Map<String, Long> commandsByName = new TreeMap<>();
    final Map<String, Long> roundTripsByName = new TreeMap<>();
    long allocatedBytes;
    /** CPU time of the server's threads (Allocations.cpuSnapshot). */
    long cpuNanos;
    /** Context switches of the JVM's threads but the load generator's (ContextSwitches). */
    long contextSwitches;
    /** CPU time of redis-server (INFO cpu) during the runs. */
    long redisCpuNanos;
    /** Limiter script calls by requests carried (index = requests). */
    final long[] batchSizes = new long[RoundTripCounter.MAX_BATCH + 1];
    final int[] statuses = new int[600];
    private final List<long[]> latencies = new ArrayList<>();
    private long[] sorted;

    Tally(Variant variant) {
        this.variant = variant;
    }

    /**
     * Adds one run.
     *
     * @param commands    commands Redis ran during the run, by name
     * @param roundTrips  round trips the variant's client wrote during the run, by command name
     */
    void add(HttpLoad.Result run, Map<String, Long> commands, Map<String, Long> roundTrips, long allocatedBytes,
            long cpuNanos) {
        this.cpuNanos += cpuNanos;
        requests += run.requests;
        nanos += run.elapsedNanos;
        errors += run.errors;
        for (int s = 0; s < statuses.length; s++) {
            statuses[s] += run.statuses[s];
        }
        latencies.add(run.latencyNanos);
        sorted = null;
        commands.forEach((name, n) -> {
            this.commands += n;
            commandsByName.merge(name, n, Long::sum);
        });
        evalsha += commands.getOrDefault("evalsha", 0L);
        eval += commands.getOrDefault("eval", 0L);
        roundTrips.forEach((name, n) -> {
            this.roundTrips += n;
            roundTripsByName.merge(name, n, Long::sum);
        });
        this.allocatedBytes += allocatedBytes;
    }

    /** {@code after - before} per name, names that did not change left out. */
    static Map<String, Long> minus(Map<String, Long> after, Map<String, Long> before) {
        Map<String, Long> delta = new TreeMap<>();
        after.forEach((name, n) -> {
            long d = n - before.getOrDefault(name, 0L);
            if (d != 0) {
                delta.put(name, d);
            }
        });
        return delta;
    }

    double perSecond() {
        return requests / (nanos / 1e9);
    }

    /** {@code count} per request. */
    double perRequest(long count) {
        return (double) count / requests;
    }

    /** {@code name n, ...} per request, most frequent first, leaving out what is under 0.01 per request. */
    String perRequest(Map<String, Long> counts) {
        StringBuilder sb = new StringBuilder();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> perRequest(e.getValue()) >= 0.01)
                .forEach(e -> sb.append(sb.length() == 0 ? "" : ", ").append(e.getKey()).append(' ')
                        .append(Table.num(perRequest(e.getValue()))));
        return sb.length() == 0 ? "-" : sb.toString();
    }

    /** Adds the script calls of one run, by requests carried. */
    void addBatches(long[] after, long[] before) {
        for (int i = 0; i < batchSizes.length; i++) {
            batchSizes[i] += after[i] - before[i];
        }
    }

    /** The batch size (requests per limiter script call) at or below which {@code p} % of the calls were; 0: none. */
    int batchPercentile(double p) {
        long total = Arrays.stream(batchSizes).sum();
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(p / 100 * total);
        long seen = 0;
        for (int i = 0; i < batchSizes.length; i++) {
            seen += batchSizes[i];
            if (seen >= rank) {
                return i;
            }
        }
        return batchSizes.length - 1;
    }

    long rejected() {
        return statuses[429];
    }

    double rejectedPerSecond() {
        return rejected() / (nanos / 1e9);
    }

    /** Latency percentile over every request of every round, in milliseconds. */
    double percentileMillis(double p) {
        if (sorted == null) {
            sorted = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
        }
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, rank)] / 1e6;
    }

    /** The statuses answered, {@code 200:41000 429:12}, and transport errors if any. */
    String answers() {
        StringBuilder sb = new StringBuilder();
        for (int s = 0; s < statuses.length; s++) {
            if (statuses[s] > 0) {
                sb.append(sb.length() == 0 ? "" : " ").append(s == 0 ? "?" : s).append(':').append(statuses[s]);
            }
        }
        if (errors > 0) {
            sb.append(" errors:").append(errors);
        }
        return sb.toString();
    }
}
