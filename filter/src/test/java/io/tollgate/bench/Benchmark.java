package io.tollgate.bench;

import io.tollgate.DoubleSubmitFilter;
import io.tollgate.RateLimitFilter;
import io.tollgate.Tollgate;
import io.tollgate.testing.Conditions;
import io.tollgate.testing.RedisSentinel;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.Resp;
import io.tollgate.internal.ratelimit.engine.HotKeyCombiner;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What Tollgate's filters cost, measured against a filter-less app, a floor filter doing one Redis GET and
 * a bare filter calling Redisson's {@code RRateLimiter.tryAcquire()}.
 *
 * <p>Run from the repository root (loopback only; starts and stops its own redis-server and Jetty):
 * <pre>mvn -q -pl filter -Pbench test-compile exec:java</pre>
 * Options (system properties): {@code -Dbench.seconds=3} per measured run, {@code -Dbench.rounds=3},
 * {@code -Dbench.connections=32}, {@code -Dbench.warmup=2} seconds per variant before the rounds,
 * {@code -Dbench.variants=rl-global,rl-global-off} to run only these variants (and {@code none} and
 * {@code floor}, which every ratio needs; the report is then the main and hot-key tables: no targets, no
 * memory figures). Every
 * round runs every variant once, in the same order (A B C … A B C …), so a slow patch of a shared machine
 * spreads over all of them. With the defaults a run takes about two minutes.
 *
 * <p>Per variant it prints requests/s, p50/p99 latency, Redis commands per request (server side,
 * {@code INFO commandstats}, commands inside scripts included), round trips per request (commands or
 * batches the variant's Redisson client wrote), JVM bytes allocated per request, and ratios to the
 * no-filter and floor variants; then a flooding client, one hot key against per-client keys, the targets,
 * and Redis memory per limiter.
 */
public final class Benchmark {

    private static final String NONE = "none";
    private static final String FLOOR = "floor";
    private static final String HANDOFF = "handoff";
    private static final String BARE = "bare";
    private static final String ONE_LIMIT = "rl-1";
    private static final String TWO_LIMITS = "rl-2";
    private static final String SUBMIT = "submit";
    private static final String SUBMIT_ACKS = "submit-ack";
    private static final String GLOBAL = "rl-global";
    private static final String BARE_FLOOD = "bare-flood";
    private static final String FLOOD = "rl-flood";
    private static final String TOKEN_BUCKET = "tb-1";
    private static final String RRATELIMITER = "rrl-1";
    private static final String TB_GLOBAL = "tb-global";
    private static final String OFF = "-off";
    private static final String TWO_IN_FLIGHT = "-if2";
    private static final String CAP_32 = "-cap32";
    /** The client as Tollgate configured its own before the lean pool (Redisson's 24 idle connections). */
    private static final String PREVIOUS_POOL = "-r24";
    private static final List<String> POOL_COMPARED = List.of(BARE, ONE_LIMIT, TOKEN_BUCKET, GLOBAL, TB_GLOBAL);
    /** Combining off: the engines called directly, one call per request, as before HotKeyCombiner. */
    private static final Map<String, String> COMBINING_OFF = Map.of(HotKeyCombiner.MAX_BATCH_PROPERTY, "1");

    private final double seconds = Double.parseDouble(System.getProperty("bench.seconds", "3"));
    private final int rounds = Integer.getInteger("bench.rounds", 3);
    private final int connections = Integer.getInteger("bench.connections", 32);
    private final double warmup = Double.parseDouble(System.getProperty("bench.warmup", "2"));
    /** The variants to run (with none and floor); empty: all. */
    private final List<String> only = selected(System.getProperty("bench.variants", ""));
    private final PrintStream out = System.out;

    public static void main(String[] args) throws Exception {
        // Tollgate logs its settings at INFO when a filter starts: keep the report readable
        System.setProperty("org.slf4j.simpleLogger.log.io.tollgate", "warn");
        new Benchmark().run();
    }

    private static List<Variant> variants(String redisUrl) {
        List<Variant> v = new ArrayList<>();
        v.add(new Variant(NONE, "no filter", null, Map.of(), false, false));
        v.add(new Variant(FLOOR, "floor: one Redis GET per request", FloorFilter.class, Map.of(), false, false));
        v.add(new Variant(HANDOFF, "hand-off only: each request waits for an answer made on another thread, no Redis",
                HandoffFilter.class, Map.of(), false, false));
        v.add(new Variant(BARE, "bare RRateLimiter.tryAcquire(), 100000/1s per client", BareRateLimitFilter.class,
                Map.of("limits", "100000/1s"), false, false));
        v.add(new Variant(ONE_LIMIT, "RateLimitFilter limits=100000/1s key=header:X-Client (headers draft)",
                RateLimitFilter.class, tollgate(redisUrl, "limits", "100000/1s", "key", "header:X-Client"), false, false));
        v.add(new Variant(TOKEN_BUCKET, "RateLimitFilter algorithm=token-bucket limits=100000/1s key=header:X-Client",
                RateLimitFilter.class, tollgate(redisUrl, "algorithm", "token-bucket", "limits", "100000/1s",
                        "key", "header:X-Client"), false, false));
        v.add(new Variant(RRATELIMITER, "RateLimitFilter algorithm=rratelimiter limits=100000/1s key=header:X-Client",
                RateLimitFilter.class, tollgate(redisUrl, "algorithm", "rratelimiter", "limits", "100000/1s",
                        "key", "header:X-Client"), false, false));
        v.add(new Variant(TWO_LIMITS, "RateLimitFilter limits=100000/1s, 100000/1m key=header:X-Client",
                RateLimitFilter.class, tollgate(redisUrl, "limits", "100000/1s, 100000/1m", "key", "header:X-Client"),
                false, false));
        v.add(new Variant(SUBMIT, "DoubleSubmitFilter client=header:X-Client, POST, unique bodies",
                DoubleSubmitFilter.class, tollgate(redisUrl, "client", "header:X-Client"), true, false));
        v.add(new Variant(SUBMIT_ACKS, "DoubleSubmitFilter replicaAcks=1 onBackendFailure=deny (a master and one"
                + " replica, master/slave client), POST, unique bodies", DoubleSubmitFilter.class,
                tollgate(redisUrl, "client", "header:X-Client", "replicaAcks", "1", "onBackendFailure", "deny"), true,
                false));
        v.add(new Variant(GLOBAL, "RateLimitFilter limits=100000/1s key=global (one hot key)",
                RateLimitFilter.class, tollgate(redisUrl, "limits", "100000/1s", "key", "global"), false, false));
        v.add(new Variant(TB_GLOBAL, "RateLimitFilter algorithm=token-bucket limits=100000/1s key=global (one hot key)",
                RateLimitFilter.class, tollgate(redisUrl, "algorithm", "token-bucket", "limits", "100000/1s",
                        "key", "global"), false, false));
        // the same without combining (one call per request, as before it), and with other combiner settings
        for (String base : List.of(GLOBAL, TB_GLOBAL, ONE_LIMIT, TOKEN_BUCKET)) {
            Variant b = v.stream().filter(x -> x.name().equals(base)).findFirst().orElseThrow();
            v.add(new Variant(base + OFF, b.description() + ", combining off", b.filter(), b.initParams(), false,
                    false, COMBINING_OFF));
        }
        for (String base : List.of(GLOBAL, TB_GLOBAL)) {
            Variant b = v.stream().filter(x -> x.name().equals(base)).findFirst().orElseThrow();
            v.add(new Variant(base + TWO_IN_FLIGHT, b.description() + ", 2 calls in flight per key", b.filter(),
                    b.initParams(), false, false, Map.of(HotKeyCombiner.MAX_IN_FLIGHT_PROPERTY, "2")));
            v.add(new Variant(base + CAP_32, b.description() + ", at most 32 requests per call", b.filter(),
                    b.initParams(), false, false, Map.of(HotKeyCombiner.MAX_BATCH_PROPERTY, "32")));
        }
        // the bare filter and the four policies the lean pool must not slow, on the client Tollgate had before it
        for (String base : POOL_COMPARED) {
            Variant b = v.stream().filter(x -> x.name().equals(base)).findFirst().orElseThrow();
            v.add(new Variant(base + PREVIOUS_POOL, b.description() + ", Redisson's pool (24 idle, previous threads)",
                    b.filter(), b.initParams(), false, false));
        }
        v.add(new Variant(BARE_FLOOD, "bare RRateLimiter 100/1m, every connection one client",
                BareRateLimitFilter.class, Map.of("limits", "100/1m"), false, true));
        v.add(new Variant(FLOOD, "RateLimitFilter limits=100/1m key=global, every connection one client",
                RateLimitFilter.class, tollgate(redisUrl, "limits", "100/1m", "key", "global"), false, true));
        return v;
    }

    /**
     * Init-params of a Tollgate filter, as web.xml carries them: no redisAddress, the filter takes the client
     * lent to its webapp (configured as Tollgate's own for {@code redisUrl}, see {@link CountingRedisson}).
     */
    private static Map<String, String> tollgate(String redisUrl, String... params) {
        Map<String, String> p = new LinkedHashMap<>();
        for (int i = 0; i < params.length; i += 2) {
            p.put(params[i], params[i + 1]);
        }
        return p;
    }

    private static List<String> selected(String names) {
        List<String> out = new ArrayList<>();
        for (String name : names.split(",")) {
            if (!name.isBlank()) {
                out.add(name.trim());
            }
        }
        if (!out.isEmpty()) {
            out.add(0, FLOOR);
            out.add(0, NONE);
        }
        return out;
    }

    private void run() throws Exception {
        long began = System.nanoTime();
        try (RedisServer redis = RedisServer.startNew("--repl-diskless-sync-delay", "0");
             RedisServer replica = RedisServer.startNew("--replicaof", redis.host(), Integer.toString(redis.port()));
             Resp admin = redis.connect()) {
            // replicaAcks needs a replica that acknowledges writes: the master's one is online before the runs
            Conditions.await(() -> RedisSentinel.info(redis, "replication"), i -> i.contains("state=online"),
                    java.time.Duration.ofSeconds(30));
            replicaUrl = replica.url();
            List<Variant> variants = variants(redis.url());
            if (!only.isEmpty()) {
                List<String> unknown = new ArrayList<>(only);
                variants.forEach(v -> unknown.remove(v.name()));
                if (!unknown.isEmpty()) {
                    throw new IllegalArgumentException("bench.variants names unknown variants " + unknown);
                }
                variants.removeIf(v -> !only.contains(v.name()));
            }
            Map<String, CountingRedisson> clients = new LinkedHashMap<>();
            Server jetty = new Server();
            try {
                ServerConnector connector = new ServerConnector(jetty);
                connector.setHost("127.0.0.1");
                connector.setPort(0);
                jetty.addConnector(connector);
                ContextHandlerCollection contexts = new ContextHandlerCollection();
                for (Variant v : variants) {
                    contexts.addHandler(context(v, redis.url(), clients));
                }
                jetty.setHandler(contexts);
                jetty.start();
                header(admin, variants.size());
                report(measureAll(new HttpLoad(connector.getLocalPort(), connections), variants, clients, admin));
            } finally {
                jetty.stop();
                clients.values().forEach(CountingRedisson::close);
            }
            if (only.isEmpty()) { // a selection measures throughput only
                memory(redis, admin);
            }
        }
        out.printf("%nDone in %.0f s; load average now %.2f.%n", (System.nanoTime() - began) / 1e9,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private void memory(RedisServer redis, Resp admin) throws Exception {
        out.println();
        out.println("Redis memory of one client's limiter, one-limit policy (10000/1h), MEMORY USAGE SAMPLES 0:");
        try (CountingRedisson client = new CountingRedisson(redis.url())) {
            LimiterMemory.measure(client.client(), admin).print(out);
            out.println();
            out.println("algorithm=token-bucket: one key per client whatever the count; many clients"
                    + " (INFO memory used_memory grown, total / per client):");
            LimiterMemory.tokenBucket(client.client(), admin).print(out);
        }
    }

    /** Warms every variant up, then runs the rounds: each round runs every variant once, in the same order. */
    private Map<String, Tally> measureAll(HttpLoad load, List<Variant> variants, Map<String, CountingRedisson> clients,
            Resp redis) throws IOException, InterruptedException {
        for (Variant v : variants) {
            load.open(v.path(), v.post(), v.oneClient()).go(nanos(warmup));
        }
        Map<String, Tally> tallies = new LinkedHashMap<>();
        variants.forEach(v -> tallies.put(v.name(), new Tally(v)));
        for (int round = 0; round < rounds; round++) {
            for (Variant v : variants) {
                measure(load, v, clients.get(v.name()), redis, tallies.get(v.name()));
            }
        }
        return tallies;
    }

    /** The variant's webapp: its filter (if any) lent its own counting Redisson client, and the OK servlet. */
    /** The replica of the benchmark's Redis (for the replicaAcks variant's master/slave client). */
    private static String replicaUrl;

    private static ServletContextHandler context(Variant v, String redisUrl, Map<String, CountingRedisson> clients) {
        ServletContextHandler context = new ServletContextHandler("/" + v.name());
        // contexts start one after the other: the variant's switches hold while its filter starts
        context.addEventListener(new ServletContextListener() {
            @Override
            public void contextInitialized(ServletContextEvent event) {
                System.clearProperty(HotKeyCombiner.MAX_BATCH_PROPERTY);
                System.clearProperty(HotKeyCombiner.MAX_IN_FLIGHT_PROPERTY);
                v.systemProperties().forEach(System::setProperty);
            }
        });
        if (v.filter() != null) {
            CountingRedisson client = v.initParams().containsKey(DoubleSubmitFilter.PARAM_REPLICA_ACKS)
                    ? CountingRedisson.masterSlave(redisUrl, replicaUrl)
                    : v.name().endsWith(PREVIOUS_POOL) ? CountingRedisson.previousPool(redisUrl)
                    : new CountingRedisson(redisUrl);
            clients.put(v.name(), client);
            context.setAttribute(Tollgate.REDISSON_ATTRIBUTE, client.client());
            FilterHolder holder = new FilterHolder(v.filter());
            holder.setName(v.name());
            v.initParams().forEach(holder::setInitParameter);
            context.addFilter(holder, "/*", EnumSet.of(DispatcherType.REQUEST));
        }
        context.addServlet(new ServletHolder(new OkServlet()), "/*");
        return context;
    }

    private void measure(HttpLoad load, Variant v, CountingRedisson client, Resp redis, Tally tally)
            throws IOException, InterruptedException {
        HttpLoad.Run run = load.open(v.path(), v.post(), v.oneClient());
        Map<String, Long> tripsBefore = client == null ? Map.of() : client.roundTrips();
        long[] batchesBefore = client == null ? null : client.batchSizes();
        CommandStats commandsBefore = CommandStats.read(redis);
        Map<Long, Long> allocatedBefore = Allocations.snapshot();
        Map<Long, Long> cpuBefore = Allocations.cpuSnapshot();
        double redisCpuBefore = redisCpuSeconds(redis);
        long switchesBefore = ContextSwitches.sum();
        if (!only.isEmpty()) {
            // when each run began, to match a profile's samples (JFR) to variants
            System.err.printf("bench: %s from %d ms%n", v.name(), System.currentTimeMillis());
        }
        HttpLoad.Result result = run.go(nanos(seconds));
        Map<Long, Long> allocatedAfter = Allocations.snapshot();
        Map<Long, Long> cpuAfter = Allocations.cpuSnapshot();
        long switchesAfter = ContextSwitches.sum();
        double redisCpuAfter = redisCpuSeconds(redis);
        CommandStats commands = CommandStats.read(redis).minus(commandsBefore);
        Map<String, Long> trips = Tally.minus(client == null ? Map.of() : client.roundTrips(), tripsBefore);
        tally.add(result, commands.calls, trips, Allocations.between(allocatedBefore, allocatedAfter),
                Allocations.between(cpuBefore, cpuAfter));
        tally.redisCpuNanos += (long) ((redisCpuAfter - redisCpuBefore) * 1e9);
        tally.contextSwitches += switchesAfter - switchesBefore;
        if (client != null) {
            tally.addBatches(client.batchSizes(), batchesBefore);
        }
    }

    /** CPU time redis-server has used so far (INFO cpu: used_cpu_sys + used_cpu_user), in seconds. */
    private static double redisCpuSeconds(Resp redis) throws IOException {
        Matcher m = Pattern.compile("used_cpu_(?:sys|user):([0-9.]+)").matcher((String) redis.call("INFO", "cpu"));
        double sum = 0;
        while (m.find()) {
            sum += Double.parseDouble(m.group(1));
        }
        return sum;
    }

    private static long nanos(double seconds) {
        return (long) (seconds * 1e9);
    }

    private void header(Resp redis, int variants) throws IOException {
        Matcher version = Pattern.compile("redis_version:(\\S+)").matcher((String) redis.call("INFO", "server"));
        out.printf("Tollgate benchmark: %d connections, %d rounds x %.1f s per variant, interleaved, after %.1f s"
                        + " warm-up each (about %.0f s)%n", connections, rounds, seconds, warmup,
                variants * (warmup + rounds * seconds));
        out.printf("Redis %s, Jetty %s, Java %s, %d CPUs, load average at start %.2f; all on 127.0.0.1%n%n",
                version.find() ? version.group(1) : "?", Server.getVersion(), System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private void report(Map<String, Tally> t) {
        Tally none = t.get(NONE);
        Tally floor = t.get(FLOOR);
        double allocNone = none.perRequest(none.allocatedBytes);
        double cpuNone = none.perRequest(none.cpuNanos) / 1000;
        Table main = new Table("variant", "req/s", "x none", "x floor", "p50 ms", "p99 ms", "p50 x floor",
                "cmds/req", "evalsha/req", "rt/req", "alloc B/req", "- none", "cpu us/req", "- none", "ctxsw/req", "redis us/req", "answers");
        for (Tally x : t.values()) {
            double alloc = x.perRequest(x.allocatedBytes);
            double cpu = x.perRequest(x.cpuNanos) / 1000;
            main.row(x.variant.name(), Table.num(x.perSecond()), Table.ratio(x.perSecond() / none.perSecond()),
                    Table.ratio(x.perSecond() / floor.perSecond()), Table.num(x.percentileMillis(50)),
                    Table.num(x.percentileMillis(99)),
                    Table.ratio(x.percentileMillis(50) / floor.percentileMillis(50)),
                    Table.num(x.perRequest(x.commands)), Table.num(x.perRequest(x.evalsha)),
                    x.variant.filter() == null ? "-" : Table.num(x.perRequest(x.roundTrips)),
                    Table.num(alloc), Table.num(alloc - allocNone), Table.num(cpu), Table.num(cpu - cpuNone),
                    Table.num(x.perRequest(x.contextSwitches)),
                    Table.num(x.perRequest(x.redisCpuNanos) / 1000), x.answers());
        }
        main.print(out);
        out.println();
        for (Tally x : t.values()) {
            out.printf("  %-10s %s%n", x.variant.name(), x.variant.description());
        }
        long eval = t.values().stream().mapToLong(x -> x.eval).sum();
        out.printf("  cmds = Redis commands (INFO commandstats, inside scripts included, PING/INFO left out);"
                + " rt = round trips the variant's client wrote; cpu = CPU time of the server's threads (Jetty,"
                + " filter, Redisson, netty; not the load generator, JIT, GC or Redis); ctxsw = context switches of the"
                + " same threads and the JIT's and GC's (/proc); redis = redis-server's CPU"
                + " time (INFO cpu); EVAL calls during the runs: %d%n", eval);

        if (!only.isEmpty()) {
            hotKeyTable(t);
            return;
        }
        out.println();
        out.println("Per request, by command: round trips the client wrote | commands Redis ran");
        for (Tally x : t.values()) {
            if (x.variant.filter() != null) {
                out.printf("  %-10s %s | %s%n", x.variant.name(), x.perRequest(x.roundTripsByName),
                        x.perRequest(x.commandsByName));
            }
        }

        Tally bareFlood = t.get(BARE_FLOOD);
        Tally flood = t.get(FLOOD);
        out.println();
        out.println("Flooding client (every connection the same client, limit 100/1m):");
        Table floods = new Table("variant", "rejected/s", "x bare", "admitted", "cmds/rejected", "rt/rejected",
                "p50 ms", "p99 ms");
        for (Tally x : List.of(bareFlood, flood)) {
            floods.row(x.variant.name(), Table.num(x.rejectedPerSecond()),
                    Table.ratio(x.rejectedPerSecond() / bareFlood.rejectedPerSecond()), x.statuses[200],
                    Table.num((double) x.commands / x.rejected()), Table.num((double) x.roundTrips / x.rejected()),
                    Table.num(x.percentileMillis(50)), Table.num(x.percentileMillis(99)));
        }
        floods.print(out);

        Tally bare = t.get(BARE);
        Tally one = t.get(ONE_LIMIT);
        Tally global = t.get(GLOBAL);
        double vsBare = one.perSecond() / bare.perSecond();
        double tripsPerDecision = one.perRequest(one.roundTrips);
        double floodCommands = (double) flood.commands / flood.rejected();
        double floodRate = flood.rejectedPerSecond() / bareFlood.rejectedPerSecond();
        double hot = global.perSecond() / one.perSecond();
        out.println();
        out.println("Targets (reported, not tuned for):");
        target("RateLimitFilter (1 limit, headers on) req/s vs bare tryAcquire()", Table.ratio(vsBare),
                ">= 0.90x", vsBare >= 0.9);
        target("round trips per decision, RateLimitFilter 1 limit", String.format("%.4f", tripsPerDecision),
                "exactly 1", Math.abs(tripsPerDecision - 1) < 0.001);
        Tally tb = t.get(TOKEN_BUCKET);
        Tally rrl = t.get(RRATELIMITER);
        target("token-bucket (1 limit, headers on) req/s vs bare tryAcquire()",
                Table.ratio(tb.perSecond() / bare.perSecond()), ">= 1.0x", tb.perSecond() >= bare.perSecond());
        target("round trips per decision, token-bucket 1 limit", String.format("%.4f", tb.perRequest(tb.roundTrips)),
                "exactly 1", Math.abs(tb.perRequest(tb.roundTrips) - 1) < 0.001);
        target("rratelimiter (tryAcquire + availablePermits) req/s vs bare tryAcquire()",
                Table.ratio(rrl.perSecond() / bare.perSecond()), "reported", true);
        target("round trips per decision, RateLimitFilter 2 limits",
                String.format("%.4f", t.get(TWO_LIMITS).perRequest(t.get(TWO_LIMITS).roundTrips)), "exactly 1",
                Math.abs(t.get(TWO_LIMITS).perRequest(t.get(TWO_LIMITS).roundTrips) - 1) < 0.001);
        target("flooding client: Redis commands per rejected request", Table.num(floodCommands), "<= 0.05",
                floodCommands <= 0.05);
        target("flooding client: rejections/s vs bare tryAcquire() flooded", Table.ratio(floodRate), ">= 2x",
                floodRate >= 2);
        target("one hot global key req/s vs per-client keys (rl-1)", Table.ratio(hot), ">= 0.90x", hot >= 0.9);
        hotKeys(t);
        pools(t);
        Tally submit = t.get(SUBMIT);
        double submitTrips = submit.perRequest(submit.roundTrips);
        // every POST of the variant is a first request: claim.lua, then complete.lua after the response
        target("round trips per guarded POST (first request), DoubleSubmitFilter", String.format("%.4f", submitTrips),
                "<= 2", submitTrips <= 2.0001);
        double submitVsFloor = submit.perSecond() / t.get(FLOOR).perSecond();
        target("guarded POST req/s vs floor (one GET per request)", Table.ratio(submitVsFloor), "reported", true);
        Tally acks = t.get(SUBMIT_ACKS);
        double acksTrips = acks.perRequest(acks.roundTrips);
        // claim.lua + WAIT in one batch, complete.lua + WAIT in another: still two round trips
        target("round trips per guarded POST, replicaAcks=1 (WAIT pipelined)", String.format("%.4f", acksTrips),
                "<= 2", acksTrips <= 2.0001);
        target("guarded POST req/s vs floor, replicaAcks=1", Table.ratio(acks.perSecond() / t.get(FLOOR).perSecond()),
                "reported", true);
        target("guarded POST req/s, replicaAcks=1 vs 0", Table.ratio(acks.perSecond() / submit.perSecond()),
                "reported", true);
        target("guarded POST p50, replicaAcks=1 vs 0", Table.ratio(acks.percentileMillis(50)
                / submit.percentileMillis(50)), "reported", true);
    }

    /** One hot key: combined against the one-GET floor and against the same filter without combining. */
    private void hotKeys(Map<String, Tally> t) {
        hotKeyTable(t);
        out.println();
        hotKeyTargets(t);
    }

    /** The hot-key table, of the variants that ran. */
    private void hotKeyTable(Map<String, Tally> t) {
        Tally floor = t.get(FLOOR);
        out.println();
        out.println("  One hot key (key=global, " + connections + " connections) and per-client keys, combining on"
                + " and off (-off: one call per request, as before combining):");
        Table hot = new Table("variant", "req/s", "x floor", "x -off", "p50 ms", "p50 x -off", "p99 ms",
                "rt/decision", "batch p50", "batch p99");
        for (String name : List.of(GLOBAL, GLOBAL + OFF, GLOBAL + TWO_IN_FLIGHT, GLOBAL + CAP_32, TB_GLOBAL,
                TB_GLOBAL + OFF, TB_GLOBAL + TWO_IN_FLIGHT, TB_GLOBAL + CAP_32, ONE_LIMIT, ONE_LIMIT + OFF,
                TOKEN_BUCKET, TOKEN_BUCKET + OFF)) {
            Tally x = t.get(name);
            Tally off = t.get(baseOf(name) + OFF);
            if (x == null) {
                continue; // not selected (bench.variants)
            }
            if (off == null) {
                off = x; // its -off variant not selected: the "x -off" columns say 1.00x
            }
            hot.row("  " + name, Table.num(x.perSecond()), Table.ratio(x.perSecond() / floor.perSecond()),
                    Table.ratio(x.perSecond() / off.perSecond()), Table.num(x.percentileMillis(50)),
                    Table.ratio(x.percentileMillis(50) / off.percentileMillis(50)), Table.num(x.percentileMillis(99)),
                    String.format("%.4f", x.perRequest(x.roundTrips)), Integer.toString(x.batchPercentile(50)),
                    Integer.toString(x.batchPercentile(99)));
        }
        hot.print(out);
    }

    private void hotKeyTargets(Map<String, Tally> t) {
        Tally floor = t.get(FLOOR);
        for (String name : List.of(GLOBAL, TB_GLOBAL)) {
            Tally x = t.get(name);
            target("one hot key, " + x.variant.description().replace("RateLimitFilter ", "").replace(
                    " (one hot key)", "") + ", req/s vs floor", Table.ratio(x.perSecond() / floor.perSecond()),
                    ">= 1.5x", x.perSecond() >= 1.5 * floor.perSecond());
            target("  round trips per decision; batch size p50 / p99", String.format("%.4f; %d / %d",
                    x.perRequest(x.roundTrips), x.batchPercentile(50), x.batchPercentile(99)), "reported", true);
        }
        for (String name : List.of(ONE_LIMIT, TOKEN_BUCKET)) {
            Tally x = t.get(name);
            Tally off = t.get(name + OFF);
            target("per-client keys (" + name + ") req/s, combining on vs off", Table.ratio(x.perSecond()
                    / off.perSecond()), ">= 0.95x", x.perSecond() >= 0.95 * off.perSecond());
            target("per-client keys (" + name + ") p50 latency, combining on vs off", Table.ratio(
                    x.percentileMillis(50) / off.percentileMillis(50)), "<= 1.05x",
                    x.percentileMillis(50) <= 1.05 * off.percentileMillis(50));
        }
    }

    /**
     * Tollgate's lean default pool against the client it had before (Redisson's pool, 24 idle connections):
     * each policy's req/s as a ratio to bare tryAcquire() on the same kind of client, in this run.
     */
    private void pools(Map<String, Tally> t) {
        out.println();
        out.println("  Tollgate's default pool (2 idle, at most 64, 4 + 2 threads) against Redisson's (24 idle, -r24),"
                + " req/s and x bare tryAcquire() on the same pool:");
        Table pools = new Table("variant", "req/s", "x bare", "-r24 req/s", "-r24 x bare", "ratio lean / r24");
        Tally bare = t.get(BARE);
        Tally bareBefore = t.get(BARE + PREVIOUS_POOL);
        for (String name : POOL_COMPARED) {
            Tally x = t.get(name);
            Tally before = t.get(name + PREVIOUS_POOL);
            double ratio = x.perSecond() / bare.perSecond();
            double ratioBefore = before.perSecond() / bareBefore.perSecond();
            pools.row("  " + name, Table.num(x.perSecond()), Table.ratio(ratio), Table.num(before.perSecond()),
                    Table.ratio(ratioBefore), Table.ratio(ratio / ratioBefore));
        }
        pools.print(out);
        out.println();
        for (String name : List.of(GLOBAL, TB_GLOBAL, ONE_LIMIT, TOKEN_BUCKET)) {
            double ratio = t.get(name).perSecond() / bare.perSecond();
            double ratioBefore = t.get(name + PREVIOUS_POOL).perSecond() / bareBefore.perSecond();
            target(name + " x bare, lean pool vs Redisson's", Table.ratio(ratio / ratioBefore), ">= 0.95x",
                    ratio >= 0.95 * ratioBefore);
        }
        target("bare tryAcquire() req/s, lean pool vs Redisson's", Table.ratio(bare.perSecond()
                / bareBefore.perSecond()), "reported", true);
    }

    private static String baseOf(String name) {
        for (String suffix : List.of(OFF, TWO_IN_FLIGHT, CAP_32, PREVIOUS_POOL)) {
            if (name.endsWith(suffix)) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    private void target(String what, String measured, String goal, boolean met) {
        out.printf("  %-64s %9s  (target %-9s) %s%n", what, measured, goal, met ? "met" : "MISSED");
    }
}
