package io.tollgate;

import io.tollgate.testing.CountingServlet;
import io.tollgate.testing.Http;
import io.tollgate.testing.RawHttp;
import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import io.tollgate.testing.SubmitServlet;
import io.tollgate.testing.TestApp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bodies held in memory at once are bounded by maxBufferedBytes; over it a request is guarded by key only. */
@ExtendWith(RedisExtension.class)
class BufferedBodiesTest {

    private static final int MB = 1 << 20;

    static int post(TestApp app, String body, String... headers) throws Exception {
        return Http.post(app.uri("/pay"), body, headers).statusCode();
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void aBodyOverMaxBufferedBytesIsGuardedByKeyOnlyNeverRejected(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "maxBodyBytes", "1MB",
                "maxBufferedBytes", "4KB")) {
            String small = "{\"amount\":42}";
            String big = "{\"pad\":\"" + "x".repeat(10 * 1024) + "\"}";
            // a body that fits is fingerprinted: its repeat is a duplicate
            assertEquals(201, post(app, small, "Content-Type", "application/json"));
            assertEquals(409, post(app, small, "Content-Type", "application/json"));
            // 10 KB would pass what the filter may hold at once: not read, not fingerprinted, not rejected
            assertEquals(201, post(app, big, "Content-Type", "application/json"));
            assertEquals(201, post(app, big, "Content-Type", "application/json"));
            // and a key header still guards it
            assertEquals(201, post(app, big, "Content-Type", "application/json", "Idempotency-Key", "k-big"));
            assertEquals(409, post(app, big, "Content-Type", "application/json", "Idempotency-Key", "k-big"));
            // the servlet got every body it ran whole
            assertEquals(4, servlet.runs());
        }
    }

    @Test
    void thirtyStalledUploadsHoldAtMostMaxBufferedBytes(RedisServer redis) throws Exception {
        // the figure: 30 uploads stalled one byte short of maxBodyBytes=8MB held 242 MB of heap
        CountingServlet servlet = new CountingServlet();
        ExecutorService writers = Executors.newFixedThreadPool(30);
        List<Socket> stalled = java.util.Collections.synchronizedList(new ArrayList<>());
        try (TestApp app = TestApp.Kind.JETTY.builder().filter(DoubleSubmitFilterTest.guard(redis,
                RedisExtension.uniquePrefix(), "maxBodyBytes", "8MB")).servlet("/*", servlet).start()) {
            long before = usedHeapAfterGc();
            List<CompletableFuture<Void>> sent = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                sent.add(CompletableFuture.runAsync(() -> {
                    try {
                        stalled.add(RawHttp.stall(app.port(), "/upload", 8L * MB, 8 * MB - 1,
                                "Content-Type", "application/octet-stream"));
                    } catch (java.io.IOException e) {
                        // the container closed an upload the servlet answered without reading: not held
                    }
                }, writers));
            }
            CompletableFuture.allOf(sent.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
            long held = usedHeapAfterGc() - before;
            System.out.println("BufferedBodiesTest: 30 uploads stalled one byte short of 8MB hold " + (held >> 20)
                    + " MiB of heap (maxBufferedBytes 64MB); " + servlet.hits() + " reached the servlet unread");
            assertTrue(held < 100L * MB, "held " + (held >> 20) + " MiB");
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
            writers.shutdownNow();
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // lets the collector finish; not a timing assumption of the test
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
