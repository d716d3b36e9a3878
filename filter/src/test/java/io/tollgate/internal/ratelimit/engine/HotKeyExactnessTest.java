package io.tollgate.internal.ratelimit.engine;

import io.tollgate.BackendFailurePolicy;
import io.tollgate.Algorithm;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.BackendState;
import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.testing.Conditions;
import io.tollgate.testing.FaultProxy;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Combining is exact under contention: two app instances (two Redis clients, two combiners) x 32 threads
 * on one key, each request costing a random 1 to 3 permits, for 10 s. No window ever holds more than the
 * limit allows (checked from the client's own clock: a request sent at or after {@code a} and answered by
 * {@code b} was decided by Redis inside {@code [a, b]}), the permits admitted are at least 99% (and at most
 * 101%) of what an exact reference model admits fed the same requests in the order and at the times Redis
 * ran them (read from {@code MONITOR}), and every answer is its own and consistent. Then with faults:
 * one pooled connection delayed past the bound, and a bound that expires while batches are in flight: no
 * permit is lost or spent twice (what Redis holds is exactly what the answered requests hold) and both
 * instances stay UP.
 */
@ExtendWith(RedisExtension.class)
class HotKeyExactnessTest {

    private static final int INSTANCES = 2;
    private static final int THREADS = 32;
    private static final long RUN_NANOS = Duration.ofSeconds(10).toNanos();

    static final String ANSWERED = "REDIS";

    /** One request and how it ended. */
    static final class Asked {
        final int instance;
        final long cost;
        final long sentNanos;
        long doneNanos;
        /** REDIS, or the route taken without Redis; and why ("answered" for REDIS). */
        String outcome;
        RateDecision decision;
        volatile CompletableFuture<RateDecision> call;

        Asked(int instance, long cost, long sentNanos) {
            this.instance = instance;
            this.cost = cost;
            this.sentNanos = sentNanos;
        }

        boolean answered() {
            return ANSWERED.equals(outcome);
        }

        boolean admitted() {
            return answered() && decision.admitted();
        }
    }

    /** One app instance: its own Redis client, engines (combined), health and bounded call; fallback deny. */
    static final class Instance implements AutoCloseable {
        final int id;
        final RedissonClient client;
        final Engines engines;
        final HotKeyCombiner combiner;
        final BackendAccess access;
        final AtomicInteger releasing = new AtomicInteger();
        final ConcurrentLinkedQueue<RateDecision> lateGrants = new ConcurrentLinkedQueue<>();

        Instance(int id, String url, Algorithm algorithm, Duration bound) {
            this.id = id;
            Config config = new Config();
            // Redisson's own timeout far beyond the bound: a late grant always arrives, to be given back
            config.useSingleServer().setAddress(url).setRetryAttempts(0).setTimeout(20_000);
            client = Redisson.create(config);
            access = new BackendAccess("test instance " + id, BackendFailurePolicy.DENY, bound, bound);
            engines = new Engines(client, EnumSet.of(algorithm), access);
            combiner = engines.combiner(algorithm);
        }

        Asked ask(String key, List<Limit> limits, long cost) {
            Asked a = new Asked(id, cost, System.nanoTime());
            BackendAccess.Answer<RateDecision> r = access.decide(() -> {
                CompletableFuture<RateDecision> f = combiner.tryAcquire(key, limits, cost).toCompletableFuture();
                a.call = f;
                return f;
            }, late -> {
                if (late.admitted()) {
                    lateGrants.add(late);
                    releasing.incrementAndGet();
                    engines.release(late).whenComplete((v, e) -> releasing.decrementAndGet());
                }
            });
            a.doneNanos = System.nanoTime();
            a.outcome = r.route() == BackendAccess.Route.REDIS ? ANSWERED : r.route() + "/" + r.reason();
            a.decision = r.value();
            return a;
        }

        @Override
        public void close() {
            client.shutdown();
        }
    }

    enum Policy {
        SLIDING_LOG_ONE(Algorithm.SLIDING_LOG, "300/1s", null),
        SLIDING_LOG_TWO(Algorithm.SLIDING_LOG, "300/1s, 1000/4s", null),
        TOKEN_BUCKET_ONE(Algorithm.TOKEN_BUCKET, "300/1s", "30"),
        TOKEN_BUCKET_TWO(Algorithm.TOKEN_BUCKET, "300/1s, 1000/4s", "30, 300");

        final Algorithm algorithm;
        final String limits;
        final String burst;

        Policy(Algorithm algorithm, String limits, String burst) {
            this.algorithm = algorithm;
            this.limits = limits;
            this.burst = burst;
        }

        List<Limit> parse() {
            return burst == null ? Limit.parseAll(limits, algorithm) : Limit.policyLimits(limits, algorithm, burst);
        }
    }

    /** Runs 2 instances x 32 threads on one key for the run's length; every request's answer, in no order. */
    static List<Asked> hammer(List<Instance> instances, String key, List<Limit> limits) throws Exception {
        ConcurrentLinkedQueue<Asked> all = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        long[] end = new long[1];
        for (Instance instance : instances) {
            for (int t = 0; t < THREADS; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        start.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    while (System.nanoTime() - end[0] < 0) {
                        all.add(instance.ask(key, limits, ThreadLocalRandom.current().nextInt(1, 4)));
                    }
                }, "hammer-" + instance.id + "-" + t);
                threads.add(thread);
                thread.start();
            }
        }
        end[0] = System.nanoTime() + RUN_NANOS;
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        return new ArrayList<>(all);
    }

    @ParameterizedTest
    @EnumSource(Policy.class)
    void twoInstancesOnOneHotKeyNeverAdmitMoreThanTheLimitAndNearlyAllItAllows(Policy policy, RedisServer redis)
            throws Exception {
        List<Limit> limits = policy.parse();
        String key = RedisExtension.uniquePrefix() + "{hot}";
        List<Instance> instances = new ArrayList<>();
        String batchScript = policy.algorithm == Algorithm.SLIDING_LOG ? SlidingLogEngine.BATCH_SCRIPT
                : TokenBucketEngine.SCRIPT;
        try (ScriptCallLog monitor = new ScriptCallLog(redis, key, batchScript)) {
            for (int i = 0; i < INSTANCES; i++) {
                instances.add(new Instance(i, redis.url(), policy.algorithm, Duration.ofSeconds(10)));
                instances.get(i).engines.prepare().toCompletableFuture().get(); // EVALSHA from the first call
            }
            List<Asked> asked = hammer(instances, key, limits);
            long calls = instances.stream().mapToLong(i -> i.combiner.calls()).sum();
            List<ScriptCallLog.Run> runs = Conditions.await(monitor::runs, r -> r.size() >= calls,
                    Duration.ofSeconds(30));
            assertEquals(calls, runs.size(), "every call seen by MONITOR");

            for (Asked a : asked) {
                assertEquals(ANSWERED, a.outcome, "every request answered by Redis");
                answerIsConsistent(a, limits);
            }
            List<Asked> admitted = asked.stream().filter(Asked::admitted)
                    .sorted(Comparator.comparingLong(a -> a.sentNanos)).toList();
            for (int k = 0; k < limits.size(); k++) {
                neverOverAdmitted(admitted, limits.get(k));
            }
            long actual = admitted.stream().mapToLong(a -> a.cost).sum();
            long model = modelAdmits(runs, limits);
            assertTrue(actual >= 0.99 * model, "admitted " + actual + " permits, an exact limiter " + model);
            assertTrue(actual <= 1.01 * model, "admitted " + actual + " permits, an exact limiter " + model);
            assertTrue(calls < asked.size(), calls + " calls for " + asked.size() + " requests: nothing combined");
            System.out.printf("%s: %d requests, %d calls (batch p50 %d, p99 %d), %d permits admitted, model %d%n",
                    policy, asked.size(), calls, instances.get(0).combiner.batchSizePercentile(50),
                    instances.get(0).combiner.batchSizePercentile(99), actual, model);
        } finally {
            instances.forEach(Instance::close);
        }
    }

    /** Admitted: no limit has less left than nothing; rejected: some limit has less left than the cost, and a wait. */
    static void answerIsConsistent(Asked a, List<Limit> limits) {
        RateDecision d = a.decision;
        assertEquals(a.cost, d.cost(), "the answer is this request's own");
        boolean short_ = false;
        for (int k = 0; k < limits.size(); k++) {
            assertTrue(d.remaining(k) >= 0 && d.remaining(k) <= limits.get(k).burst(), "remaining " + d.remaining(k));
            short_ |= d.remaining(k) < a.cost;
        }
        if (d.admitted()) {
            assertEquals(0, d.retryAfterMillis());
        } else {
            assertTrue(short_, "a rejection names a limit without room");
            assertTrue(d.retryAfterMillis() > 0 && d.retryAfterMillis() <= limits.get(limits.size() - 1).period()
                    .toMillis() * 3, "retry after " + d.retryAfterMillis());
        }
    }

    /**
     * In every span of the client's clock, what Redis surely decided inside it (sent after its start and
     * answered before its end) is within what the limit allows in such a span.
     */
    static void neverOverAdmitted(List<Asked> admittedBySend, Limit limit) {
        long period = limit.period().toNanos();
        boolean log = limit.algorithm() == Algorithm.SLIDING_LOG;
        // the log: at most count in any span shorter than the window (Redis counts in whole ms);
        // GCRA: at most burst + count * t / period in any span t
        long[] spans = log ? new long[] {period - 2_000_000}
                : new long[] {period / 10, period / 2, period, 2 * period};
        for (long span : spans) {
            double allowed = log ? limit.count()
                    : limit.burst() + limit.count() * (span + 1_000_000.0) / period + 0.001;
            for (int i = 0; i < admittedBySend.size(); i++) {
                long from = admittedBySend.get(i).sentNanos;
                long sum = 0;
                for (int j = i; j < admittedBySend.size() && admittedBySend.get(j).sentNanos - from <= span; j++) {
                    if (admittedBySend.get(j).doneNanos - from <= span) {
                        sum += admittedBySend.get(j).cost;
                    }
                }
                assertTrue(sum <= allowed, limit + ": " + sum + " permits decided within " + span / 1_000_000
                        + " ms (allowed " + allowed + ")");
            }
        }
    }

    /** The costs of the requests one script run decided, in their order (a give-back is a negative cost). */
    static long[] costs(ScriptCallLog.Run run, List<Limit> limits) {
        int n = limits.size();
        boolean log = limits.get(0).algorithm() == Algorithm.SLIDING_LOG;
        if (!run.batch()) {
            return new long[] {log || run.args().get(0).equals("1") ? 1 : -1};
        }
        int first = log ? 2 + 2 * n : 1 + 3 * n;
        return run.args().subList(first, run.args().size()).stream().mapToLong(Long::parseLong).toArray();
    }

    /**
     * What an exact limiter admits (permits), fed the same requests in the order Redis decided them, at the
     * times it decided them: the reference the combined calls must match.
     */
    static long modelAdmits(List<ScriptCallLog.Run> runs, List<Limit> limits) {
        long admittedPermits = 0;
        if (limits.get(0).algorithm() == Algorithm.SLIDING_LOG) {
            List<long[]> log = new ArrayList<>(); // {ms, cost}
            long longest = limits.get(limits.size() - 1).period().toMillis();
            for (ScriptCallLog.Run run : runs) {
                long now = run.micros() / 1000;
                log.removeIf(e -> e[0] <= now - longest);
                for (long cost : costs(run, limits)) {
                    boolean fits = true;
                    for (Limit l : limits) {
                        long used = 0;
                        for (long[] e : log) {
                            if (e[0] > now - l.period().toMillis()) {
                                used += e[1];
                            }
                        }
                        fits &= used + cost <= l.count();
                    }
                    if (fits) {
                        log.add(new long[] {now, cost});
                        admittedPermits += cost;
                    }
                }
            }
        } else {
            double[] tat = new double[limits.size()];
            java.util.Arrays.fill(tat, Double.NEGATIVE_INFINITY);
            for (ScriptCallLog.Run run : runs) {
                double now = run.micros();
                for (long cost : costs(run, limits)) {
                    boolean fits = true;
                    for (int k = 0; k < limits.size(); k++) {
                        Limit l = limits.get(k);
                        double step = l.period().toMillis() * 1000.0 / l.count();
                        fits &= Math.max(tat[k], now) + cost * step - now <= l.burst() * step + 0.01;
                    }
                    if (fits) {
                        for (int k = 0; k < limits.size(); k++) {
                            Limit l = limits.get(k);
                            double step = l.period().toMillis() * 1000.0 / l.count();
                            tat[k] = Math.max(tat[k], now) + cost * step;
                        }
                        admittedPermits += cost;
                    }
                }
            }
        }
        return admittedPermits;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"SLIDING_LOG, one-connection-delayed", "TOKEN_BUCKET, one-connection-delayed",
            "SLIDING_LOG, bound-expires-mid-batch", "TOKEN_BUCKET, bound-expires-mid-batch"})
    void underFaultsNoPermitIsLostOrSpentTwiceAndRedisStaysUp(Algorithm algorithm, String fault, RedisServer redis)
            throws Exception {
        // limits nothing refills during the run: what Redis holds is then exactly what the requests took
        List<Limit> limits = algorithm == Algorithm.SLIDING_LOG ? Limit.parseAll("100000/1h", algorithm)
                : Limit.policyLimits("100/1d", algorithm, "30000");
        String key = RedisExtension.uniquePrefix() + "{faulty}";
        boolean oneConnection = fault.equals("one-connection-delayed");
        // the bounds leave room for a busy machine: Redis counts as answering as long as some answer arrives
        // within a bound, so a stall of the whole JVM longer than that would rightly look like a hung Redis
        Duration bound = Duration.ofMillis(300);
        List<Instance> instances = new ArrayList<>();
        try (FaultProxy proxy = FaultProxy.to(redis); Resp resp = redis.connect()) {
            for (int i = 0; i < INSTANCES; i++) {
                instances.add(new Instance(i, proxy.url(), algorithm, bound));
            }
            for (Instance instance : instances) {
                instance.engines.prepare().toCompletableFuture().get(); // connected before the fault
            }
            List<?> time = (List<?>) resp.call("TIME");
            double startMicros = (Long.parseLong(time.get(0).toString()) - 1735689600L) * 1e6
                    + Long.parseLong(time.get(1).toString());
            if (oneConnection) {
                proxy.delayOneConnection(Duration.ofMillis(900));
            } else {
                // every answer takes 120 to 180 ms: a request queued behind the call in flight waits up to twice
                // that, past the 300 ms bound, while the call it rides on is answered within it
                proxy.delayAll(Duration.ofMillis(120)).jitter(Duration.ofMillis(60));
            }
            List<Asked> asked = hammer(instances, key, limits);

            // every call's answer arrives (Redisson's timeout is far), and every late grant is given back
            for (Asked a : asked) {
                if (a.call != null) {
                    a.call.get(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
            Conditions.await(() -> instances.stream().mapToInt(i -> i.releasing.get()).sum(), n -> n == 0,
                    Duration.ofSeconds(30));
            proxy.heal();

            Map<String, Integer> outcomes = new java.util.TreeMap<>();
            asked.forEach(a -> outcomes.merge(a.outcome, 1, Integer::sum));
            System.out.printf("%s %s: %d requests, outcomes %s, late grants given back %d%n", algorithm, fault,
                    asked.size(), outcomes, instances.stream().mapToInt(i -> i.lateGrants.size()).sum());
            assertTrue(outcomes.getOrDefault("DENY/LATE", 0) > 0, "the fault made some requests late");
            assertEquals(asked.size(), outcomes.getOrDefault(ANSWERED, 0) + outcomes.getOrDefault("DENY/LATE", 0),
                    "every request answered by Redis or late (Redis was never down, nothing else failed)");
            for (Instance i : instances) {
                assertEquals(BackendState.UP, i.access.state(), "instance " + i.id + " stays UP");
            }
            for (Asked a : asked) {
                if (a.answered()) {
                    answerIsConsistent(a, limits);
                }
            }
            List<Asked> held = asked.stream().filter(Asked::admitted).toList();
            if (algorithm == Algorithm.SLIDING_LOG) {
                Set<String> expected = new HashSet<>();
                for (Asked a : held) {
                    expected.add(a.decision.permitId());
                    for (long j = 2; j <= a.cost; j++) {
                        expected.add(a.decision.permitId() + "." + j);
                    }
                }
                @SuppressWarnings("unchecked")
                List<Object> members = (List<Object>) resp.call("ZRANGE", key, "0", "-1");
                Set<String> inRedis = new HashSet<>();
                members.forEach(m -> inRedis.add(m.toString()));
                assertEquals(members.size(), inRedis.size());
                Set<String> lost = new HashSet<>(inRedis);
                lost.removeAll(expected);
                Set<String> doubled = new HashSet<>(expected);
                doubled.removeAll(inRedis);
                assertTrue(lost.isEmpty(), lost.size() + " permits held in Redis that no answered request holds");
                assertTrue(doubled.isEmpty(), doubled.size() + " permits answered that Redis does not hold");
            } else {
                long expected = held.stream().mapToLong(a -> a.cost).sum();
                double tat = Double.parseDouble(resp.call("GET", key).toString());
                double stepMicros = 864_000_000.0; // 1d / 100
                assertEquals(expected, Math.round((tat - startMicros) / stepMicros),
                        "permits Redis holds = permits the answered requests hold");
            }
        } finally {
            instances.forEach(Instance::close);
        }
    }
}
