package io.tollgate;

import io.tollgate.testing.AsyncSubmitServlet;
import io.tollgate.testing.Conditions;
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

    private static RawHttp.Response keyed(TestApp app, String key, String body) throws Exception {
        return RawHttp.send(app.port(), "POST", "/pay", SubmitServlet.utf8(body), "Content-Type", "application/json",
                "Idempotency-Key", key);
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void whileTheBufferIsInUseAKeyedRequestIsAskedToRetryNeverComparedUnread(TestApp.Kind kind, RedisServer redis)
            throws Exception {
        SubmitServlet servlet = new SubmitServlet();
        AsyncSubmitServlet holder = new AsyncSubmitServlet();
        String pad = "x".repeat(300);
        try (TestApp app = kind.builder().filter(DoubleSubmitFilterTest.guard(redis, RedisExtension.uniquePrefix(),
                        "mode", "replay", "maxBodyBytes", "4KB", "maxBufferedBytes", "4KB"))
                .servlet("/hold", holder).servlet("/*", servlet).start()) {
            RawHttp.Response first = keyed(app, "k-1", "{\"amount\":1,\"pad\":\"" + pad + "\"}");
            assertEquals(201, first.status, first.body);
            // an async request holds 3,900 of the 4,096 bytes until it completes
            CompletableFuture<java.net.http.HttpResponse<String>> hold = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.post(app.uri("/hold"), "y".repeat(3900), "Content-Type", "application/octet-stream");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            RawHttp.Response retry;
            try {
                assertTrue(holder.awaitStarted());
                // the retry of a request that was buffered is not a different request (422): it is asked to retry
                retry = keyed(app, "k-1", "{\"amount\":1,\"pad\":\"" + pad + "\"}");
                // a new key, two different bodies: neither may run unread and answer for the other
                RawHttp.Response b = keyed(app, "k-2", "{\"amount\":2,\"pad\":\"" + pad + "\"}");
                RawHttp.Response c = keyed(app, "k-2", "{\"amount\":3,\"pad\":\"" + pad + "\"}");
                assertEquals(503, b.status, b.body);
                assertEquals(503, c.status, c.body);
                assertEquals("1", c.header("Retry-After"));
            } finally {
                holder.release();
            }
            assertEquals(503, retry.status, retry.body);
            assertEquals("1", retry.header("Retry-After"));
            assertEquals(200, hold.get(20, TimeUnit.SECONDS).statusCode());
            // with room again, it is compared whole and replayed
            RawHttp.Response later = Conditions.await(() -> keyed(app, "k-1",
                    "{\"amount\":1,\"pad\":\"" + pad + "\"}"), r -> r.status != 503, Duration.ofSeconds(20));
            assertEquals("true", later.header("Idempotent-Replayed"), later.body);
            assertEquals(first.body, later.body);
            assertEquals(201, keyed(app, "k-2", "{\"amount\":3,\"pad\":\"" + pad + "\"}").status);
            assertEquals(2, servlet.runs());
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void anAsyncRequestHoldsItsBufferedBodyUntilItCompletes(TestApp.Kind kind, RedisServer redis) throws Exception {
        AsyncSubmitServlet servlet = new AsyncSubmitServlet();
        String body = "{\"pad\":\"" + "x".repeat(3 * 1024) + "\"}";
        try (TestApp app = DoubleSubmitFilterTest.app(kind, redis, servlet, "maxBodyBytes", "4KB",
                "maxBufferedBytes", "4KB")) {
            CompletableFuture<java.net.http.HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return Http.post(app.uri("/pay"), body, "Content-Type", "application/json");
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            assertTrue(servlet.awaitStarted());
            // the first request's thread has returned, its 3 KB are still held: no room for 3 KB more
            CompletableFuture<RawHttp.Response> second = CompletableFuture.supplyAsync(() -> {
                try {
                    return keyed(app, "k-async", body.replace('x', 'y'));
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            RawHttp.Response held;
            try {
                held = second.get(15, TimeUnit.SECONDS);
            } finally {
                servlet.release();
            }
            assertEquals(503, held.status, held.body);
            assertEquals(1, servlet.runs());
            assertEquals(200, first.get(20, TimeUnit.SECONDS).statusCode());
            // completed: its bytes are free again
            RawHttp.Response after = Conditions.await(() -> keyed(app, "k-async", body.replace('x', 'y')),
                    r -> r.status != 503, Duration.ofSeconds(20));
            assertEquals(200, after.status, after.body);
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

    /**
     * An async upload: it goes async with the request it was given ({@code startAsync(request, response)}, which
     * keeps the filter's buffered body reachable) and reads the body on its own thread once the test lets it (as
     * an upload handed to a slow backend would), so every request is held at once.
     */
    static final class HeldUploadServlet extends jakarta.servlet.http.HttpServlet {
        private static final long serialVersionUID = 1L;
        final java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
        /** Requests that reached it with their body read by the filter. */
        final java.util.concurrent.atomic.AtomicInteger buffered = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        private final ExecutorService completer = Executors.newCachedThreadPool();

        @Override
        protected void service(jakarta.servlet.http.HttpServletRequest req, jakarta.servlet.http.HttpServletResponse resp) {
            jakarta.servlet.AsyncContext async = req.startAsync(req, resp);
            async.setTimeout(120_000);
            held.incrementAndGet();
            if (req instanceof io.tollgate.internal.http.BufferedRequest) {
                buffered.incrementAndGet();
            }
            completer.execute(() -> {
                try {
                    release.await(120, TimeUnit.SECONDS);
                    long read = async.getRequest().getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
                    async.getResponse().getWriter().write("read " + read);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e); // the client sees a broken answer, and the test fails
                } finally {
                    async.complete();
                }
            });
        }

        @Override
        public void destroy() {
            release.countDown();
            completer.shutdownNow();
        }
    }

    @ParameterizedTest
    @EnumSource(TestApp.Kind.class)
    void fortyAsyncUploadsHeldAtOnceHoldAtMostMaxBufferedBytes(TestApp.Kind kind, RedisServer redis) throws Exception {
        // 40 different 4 MB bodies, each read whole by the filter when it fits (maxBodyBytes=8MB), then held by an
        // async servlet: were each body's bytes given back when its thread returned, all 40 (160 MiB) would be
        // buffered and in the heap at once; counted until completion, 16 fit in maxBufferedBytes=64MB and the
        // other 24 pass unread (their bytes wait in the connection until the servlet reads them)
        HeldUploadServlet servlet = new HeldUploadServlet();
        ExecutorService writers = Executors.newFixedThreadPool(40);
        List<Socket> sockets = java.util.Collections.synchronizedList(new ArrayList<>());
        try (TestApp app = kind.builder().filter(DoubleSubmitFilterTest.guard(redis, RedisExtension.uniquePrefix(),
                "maxBodyBytes", "8MB", "maxBufferedBytes", "64MB")).servlet("/*", servlet).start()) {
            try {
                long before = usedHeapAfterGc();
                // one after another, each held before the next is sent: a body given back early would make room
                for (int i = 0; i < 40; i++) {
                    String path = "/upload/" + i; // a different submission each: none is a repeat of another
                    writers.execute(() -> {
                        try {
                            sockets.add(RawHttp.stall(app.port(), path, 4L * MB, 4 * MB, "Content-Type",
                                    "application/octet-stream"));
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    int sent = i + 1;
                    Conditions.await(servlet.held::get, n -> n == sent, Duration.ofSeconds(30));
                }
                long held = usedHeapAfterGc() - before;
                // what one 4 MiB body costs the heap: under G1 an array of half a region or more takes whole regions
                // (with 4 MiB regions, two: 8 MiB), so the bound is stated in heap as 16 such arrays
                long perBody = heapPerArray(4L * MB);
                long bound = 16 * perBody;
                System.out.println("BufferedBodiesTest " + kind + ": 40 async uploads of 4 MiB held at once, "
                        + servlet.buffered.get() + " with their body buffered (maxBufferedBytes 64MB), hold " + (held >> 20)
                        + " MiB of heap; 16 bodies take " + (bound >> 20) + " MiB (" + (perBody >> 20)
                        + " MiB each, G1 region " + (g1RegionBytes() >> 20) + " MiB)");
                assertEquals(16, servlet.buffered.get(), "bodies buffered at once");
                // plus 32 MiB for what 40 held requests cost besides their bodies (the containers' connection buffers
                // and request objects: 5 MiB on Jetty, 16 MiB on Tomcat measured with 2 bodies buffered); 40 bodies
                // (320 MiB with 8 MiB each) when a body was counted only until its thread returned
                assertTrue(held <= bound + 32L * MB, "held " + (held >> 20) + " MiB");
            } finally {
                // before the container stops: the servlets read the rest of the bodies, every upload ends
                servlet.release.countDown();
                writers.shutdown();
                writers.awaitTermination(60, TimeUnit.SECONDS);
            }
        } finally {
            servlet.release.countDown();
            for (Socket s : sockets) {
                s.close();
            }
            writers.shutdownNow();
        }
    }

    /** The heap an array of {@code bytes} takes: whole regions under G1 from half a region up, else its size. */
    static long heapPerArray(long bytes) {
        long size = bytes + 16; // the array's header
        long region = g1RegionBytes();
        return region == 0 || size < region / 2 ? size : (size + region - 1) / region * region;
    }

    /** G1's region size, or 0 under another collector. */
    static long g1RegionBytes() {
        com.sun.management.HotSpotDiagnosticMXBean vm =
                ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        return vm.getVMOption("UseG1GC").getValue().equals("true")
                ? Long.parseLong(vm.getVMOption("G1HeapRegionSize").getValue()) : 0;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100); // lets the collector finish; not a timing assumption of the test
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
