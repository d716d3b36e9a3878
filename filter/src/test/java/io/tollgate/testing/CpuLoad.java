package io.tollgate.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * Busy threads inside the test JVM (the app's JVM: the containers run in it), at least twice as many as
 * cores, so that request threads and the Redis client's I/O threads are starved the way a loaded app
 * server starves them. Close to stop them.
 */
public final class CpuLoad implements AutoCloseable {

    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;
    /** Keeps the busy loops from being optimised away. */
    public static volatile long sink;

    private CpuLoad(int count) {
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(this::spin, "cpu-load-" + i);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    /** {@code 2 × availableProcessors} busy threads. */
    public static CpuLoad saturate() {
        return new CpuLoad(2 * Runtime.getRuntime().availableProcessors());
    }

    /** How many busy threads run. */
    public int threads() {
        return threads.size();
    }

    private void spin() {
        long x = System.nanoTime();
        while (running) {
            for (int i = 0; i < 10_000; i++) {
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
            }
            sink = x;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(5000);
        }
    }
}
