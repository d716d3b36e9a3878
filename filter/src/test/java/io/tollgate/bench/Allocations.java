package io.tollgate.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.Map;

/**
 * Bytes the JVM allocated on behalf of the server side: summed over every live thread (Jetty, Redisson,
 * netty) except the load generator's {@code bench-client-*} threads and the thread measuring. A thread that
 * ends between two snapshots takes its count with it (none of the server's do during a run).
 */
final class Allocations {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private Allocations() {
    }

    /** Allocated bytes so far, per thread id. */
    static Map<Long, Long> snapshot() {
        Map<Long, Long> bytes = new HashMap<>();
        Thread me = Thread.currentThread();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t != me && !t.getName().startsWith(HttpLoad.THREAD_PREFIX)) {
                long b = THREADS.getThreadAllocatedBytes(t.getId());
                if (b >= 0) {
                    bytes.put(t.getId(), b);
                }
            }
        }
        return bytes;
    }

    /**
     * CPU time so far (nanoseconds), per server thread: what the server side (Jetty, the filter, Redisson,
     * netty) spends on the CPU, without the load generator, the JIT and GC threads, or Redis. Under a shared
     * machine's load it stays a fair per-request figure when requests per second do not.
     */
    static Map<Long, Long> cpuSnapshot() {
        Map<Long, Long> nanos = new HashMap<>();
        Thread me = Thread.currentThread();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t != me && !t.getName().startsWith(HttpLoad.THREAD_PREFIX)) {
                long n = THREADS.getThreadCpuTime(t.getId());
                if (n >= 0) {
                    nanos.put(t.getId(), n);
                }
            }
        }
        return nanos;
    }

    /** Bytes allocated between two snapshots (a thread born in between counts from zero). */
    static long between(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> e : after.entrySet()) {
            sum += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return sum;
    }
}
