package io.tollgate.internal.submit;

import io.tollgate.testing.RedisExtension;
import io.tollgate.testing.RedisServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import io.tollgate.testing.Conditions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The protocol over the shared guard on a real Redis. */
@ExtendWith(RedisExtension.class)
class SubmissionFlowRedisTest extends SubmissionFlowContract {

    private final String prefix = RedisExtension.uniquePrefix();
    private RedissonClient client;

    @BeforeEach
    void connect(RedisServer redis) {
        Config config = new Config();
        config.useSingleServer().setAddress(redis.url()).setRetryAttempts(0).setTimeout(2000);
        client = Redisson.create(config);
    }

    @AfterEach
    void disconnect() {
        client.shutdown();
    }

    @Override
    SubmissionGuard sharedGuard() {
        return new RedisSubmissionGuard(client);
    }

    @Override
    String prefix() {
        return prefix;
    }

    /** One request that outlives its lock: its lock is gone (as when its lease ran out) before it completes. */
    private void overrun(SubmissionFlow flow, String key, long overrunsBefore) throws Exception {
        Submission s = submit(flow, post("/pay", key), new Written());
        assertEquals(Submission.Next.RUN, s.next());
        assertEquals(1, client.getKeys().deleteByPattern(prefix + "*:lock"), "the claim's lock");
        Written ok = new Written();
        ok.status = 201;
        flow.finish(s, true, ok.response(), null);
        Conditions.await(flow::leaseOverruns, n -> n == overrunsBefore + 1, Duration.ofSeconds(10));
    }

    /** Steps of a test that may throw. */
    interface Steps {
        void run() throws Exception;
    }

    /** The lease-overrun WARNs logged while {@code run} runs (slf4j-simple writes to System.err). */
    private static long warningsDuring(Steps run) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(err);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        err.print(log);
        return log.lines().filter(l -> l.contains("WARN") && l.contains("a request outlived its lock")).count();
    }

    @Test
    void aLeaseOverrunIsWarnedOfAgainAtMostOnceAMinuteForAsLongAsItLasts() throws Exception {
        AtomicLong now = new AtomicLong(-TimeUnit.HOURS.toNanos(1)); // nanoTime may be negative
        SubmissionFlow flow = flow(now::get);
        // 100 overruns in 10 simulated minutes (one every 6 s): the first WARN, then one a minute
        long during = warningsDuring(() -> {
            for (int i = 0; i < 100; i++) {
                overrun(flow, "lease-" + i, i);
                now.addAndGet(TimeUnit.SECONDS.toNanos(6));
            }
        });
        assertEquals(10, during, "WARNs for 100 overruns in 10 minutes, at most one a minute");
        // a quiet day, then one more: warned of again (not once per filter lifetime)
        now.addAndGet(TimeUnit.DAYS.toNanos(1));
        assertEquals(1, warningsDuring(() -> overrun(flow, "lease-later", 100)));
        // and the next within the minute is not
        now.addAndGet(TimeUnit.SECONDS.toNanos(59));
        assertEquals(0, warningsDuring(() -> overrun(flow, "lease-later-2", 101)));
    }
}
