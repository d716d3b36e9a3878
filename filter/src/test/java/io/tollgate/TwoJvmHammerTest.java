package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.FilterSpec;
import io.tollgate.testing.Http;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two-JVM hammer: two JVMs, each an embedded Jetty with RateLimitFilter {@code limits=100/1s key=global}
 * (so their combiners share one hot key through Redis alone), each hammered by 32 client threads for the
 * same 5 s.
 * Every request a JVM admitted is reported with when it was sent and answered (wall clock, the same on
 * both); a request sent at or after {@code a} and answered by {@code b} was decided by Redis inside
 * {@code [a, b]}, so no span shorter than the window may hold more admitted requests than the limit allows:
 * 100 for the sliding log; {@code burst + count * t / period} for the token bucket.
 */
@ExtendWith(RedisExtension.class)
class TwoJvmHammerTest {

    private static final int THREADS = 32;
    private static final int SECONDS = 5;

    @ParameterizedTest
    @ValueSource(strings = {"sliding-log", "token-bucket"})
    void twoJvmsOnOneKeyNeverAdmitMoreThanTheLimitInAnyWindow(String algorithm, RedisServer redis) throws Exception {
        String prefix = RedisExtension.uniquePrefix();
        List<Process> jvms = new ArrayList<>();
        List<BufferedReader> outputs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Process jvm = new ProcessBuilder(javaBinary(), "-cp", System.getProperty("java.class.path"),
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", Hammer.class.getName(), redis.url(), prefix,
                    algorithm).redirectErrorStream(true).start();
            jvms.add(jvm);
            outputs.add(new BufferedReader(new InputStreamReader(jvm.getInputStream(), StandardCharsets.UTF_8)));
        }
        // both up and warm (however long a loaded machine takes), then both start at once
        for (BufferedReader out : outputs) {
            for (String line; !"READY".equals(line = out.readLine()); ) {
                if (line == null) {
                    throw new AssertionError("a hammer JVM ended before it was ready");
                }
                System.out.println("[hammer jvm] " + line);
            }
        }
        for (Process jvm : jvms) {
            jvm.getOutputStream().write("GO\n".getBytes(StandardCharsets.US_ASCII));
            jvm.getOutputStream().flush();
        }
        List<long[]> admitted = new ArrayList<>(); // {sent, done} micros
        long rejected = 0;
        for (int i = 0; i < jvms.size(); i++) {
            Process jvm = jvms.get(i);
            List<String> done = new ArrayList<>();
            try (BufferedReader out = outputs.get(i)) {
                for (String line; (line = out.readLine()) != null; ) {
                    String[] f = line.split(" ");
                    if (f[0].equals("A")) {
                        admitted.add(new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])});
                    } else if (f[0].equals("DONE")) {
                        done.add(line);
                        rejected += Long.parseLong(f[2]);
                    } else {
                        System.out.println("[hammer jvm] " + line);
                    }
                }
            }
            assertTrue(jvm.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, jvm.exitValue(), "hammer JVM failed");
            assertEquals(1, done.size(), "hammer JVM reported its end");
        }
        admitted.sort(Comparator.comparingLong(a -> a[0]));
        long window = 1_000_000;
        // the log counts whole ms: a span 2 ms shorter than the window lies inside one of Redis's windows
        long span = window - 2_000;
        double allowed = algorithm.equals("sliding-log") ? 100 : 100 + 100.0 * (span + 1_000) / window;
        int most = 0;
        for (int i = 0; i < admitted.size(); i++) {
            int inside = 0;
            for (int j = i; j < admitted.size() && admitted.get(j)[0] - admitted.get(i)[0] <= span; j++) {
                if (admitted.get(j)[1] - admitted.get(i)[0] <= span) {
                    inside++;
                }
            }
            most = Math.max(most, inside);
        }
        System.out.printf("[TwoJvmHammerTest] %s: 2 JVMs x %d threads, %d s: %d admitted, %d rejected; most admitted"
                + " inside one %d ms span: %d (allowed %.0f)%n", algorithm, THREADS, SECONDS, admitted.size(), rejected,
                span / 1000, most, allowed);
        // on a loaded machine two JVMs may not offer much more than the limit: at least it must have bitten
        assertTrue(rejected > 0 && admitted.size() > 100, "the key was hammered over its limit");
        assertTrue(most <= allowed, most + " admitted inside one span shorter than the window");
    }

    private static long micros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }

    private static String javaBinary() {
        return System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    }

    /**
     * One hammer JVM: Jetty + RateLimitFilter on one global key; prints READY, and on GO (stdin) 32 client
     * threads hammer it for 5 s.
     */
    public static final class Hammer {
        public static void main(String[] args) throws Exception {
            String redisUrl = args[0];
            String prefix = args[1];
            String algorithm = args[2];
            FilterSpec filter = FilterSpec.of("api", RateLimitFilter.class).param("redisAddress", redisUrl)
                    .param("keyPrefix", prefix).param("algorithm", algorithm).param("limits", "100/1s")
                    .param("key", "global").param("backendTimeout", "5s");
            try (TestApp app = TestApp.Kind.JETTY.builder().filter(filter).servlet("/*", new CountingServlet())
                    .maxThreads(2 * THREADS + 16).start()) {
                HttpRequest request = Http.request(app.uri("/api")).GET().build();
                // connected and warm (JIT, pools): a cold JVM on a loaded machine is many times slower; what
                // this spends is before the start, so it can only leave less for the first window after it
                hammer(request, TimeUnit.SECONDS.toMicros(4), new ConcurrentLinkedQueue<>(), new AtomicLong(),
                        new AtomicLong());
                System.out.println("READY");
                System.out.flush();
                if (!"GO".equals(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))
                        .readLine())) {
                    System.exit(3);
                }
                ConcurrentLinkedQueue<long[]> admitted = new ConcurrentLinkedQueue<>();
                AtomicLong rejected = new AtomicLong();
                AtomicLong other = new AtomicLong();
                hammer(request, TimeUnit.SECONDS.toMicros(SECONDS), admitted, rejected, other);
                StringBuilder out = new StringBuilder();
                for (long[] a : admitted) {
                    out.append("A ").append(a[0]).append(' ').append(a[1]).append('\n');
                }
                out.append("DONE ").append(admitted.size()).append(' ').append(rejected.get()).append(' ')
                        .append(other.get()).append('\n');
                System.out.print(out);
                System.out.flush();
                if (other.get() > 0) {
                    System.exit(2);
                }
            }
        }

        /** 32 threads send {@code request} one after the other for {@code micros}, each answer counted. */
        private static void hammer(HttpRequest request, long micros, ConcurrentLinkedQueue<long[]> admitted,
                AtomicLong rejected, AtomicLong other) throws InterruptedException {
            long end = micros() + micros;
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                Thread thread = new Thread(() -> {
                    try {
                        while (micros() < end) {
                            long sent = micros();
                            HttpResponse<String> r = Http.send(request);
                            long done = micros();
                            if (r.statusCode() == 200) {
                                admitted.add(new long[] {sent, done});
                            } else if (r.statusCode() == 429) {
                                rejected.incrementAndGet();
                            } else {
                                other.incrementAndGet();
                            }
                        }
                    } catch (Exception e) {
                        other.incrementAndGet();
                        e.printStackTrace(System.out);
                    }
                });
                threads.add(thread);
                thread.start();
            }
            for (Thread t : threads) {
                t.join();
            }
        }
    }
}
