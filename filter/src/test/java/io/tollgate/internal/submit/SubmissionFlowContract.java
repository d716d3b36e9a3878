package io.tollgate.internal.submit;

import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.testing.Conditions;
import io.tollgate.testing.StubFilterConfig;
import io.tollgate.testing.StubRequest;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The double-submit protocol without a servlet container: intake, claim, repeat answers, finish. Run over
 * the shared guard on Redis and over {@link LocalSubmissionGuard} standing in for it, so the protocol is
 * checked apart from where the claims live.
 */
abstract class SubmissionFlowContract {

    /** A fresh shared guard. */
    abstract SubmissionGuard sharedGuard();

    /** The key prefix of this run (unique per test on a shared Redis). */
    abstract String prefix();

    private final Map<String, Long> stored = new TreeMap<>();

    SubmissionFlow flow(String... initParams) {
        return flow(System::nanoTime, initParams);
    }

    /** A flow whose repeated WARNs follow {@code nanoTime}. */
    SubmissionFlow flow(java.util.function.LongSupplier nanoTime, String... initParams) {
        StubFilterConfig config = StubFilterConfig.filter("orders").initParam("keyPrefix", prefix());
        for (int i = 0; i < initParams.length; i += 2) {
            config.initParam(initParams[i], initParams[i + 1]);
        }
        DoubleSubmitSettings settings = DoubleSubmitSettings.parse(FilterParams.read(config.build(),
                "DoubleSubmitFilter", DoubleSubmitSettings.NAMES, SharedSettings.NAMES));
        SubmissionFlow.StorageBudget budget = (client, bytes, keep) -> {
            synchronized (stored) {
                stored.merge(client, bytes, Long::sum);
            }
            return CompletableFuture.completedFuture(true);
        };
        return new SubmissionFlow(settings, sharedGuard(), budget, new BackendAccess("test",
                settings.shared().onBackendFailure(), Duration.ofSeconds(5), Duration.ofSeconds(5)), nanoTime);
    }

    static HttpServletRequest post(String path, String key) {
        StubRequest r = StubRequest.request().method("POST").servletPath(path).header("Host", "shop.example")
                .user("alice");
        if (key != null) {
            r.header("Idempotency-Key", key);
        }
        return bodiless(r);
    }

    static HttpServletRequest bodiless(StubRequest r) {
        HttpServletRequest stub = r.build();
        // a request without a body: what the flow reads of one besides the stub's headers and paths
        return StubRequest.proxy(HttpServletRequest.class, (proxy, m, args) -> {
            switch (m.getName()) {
                case "getContentType":
                    return null;
                case "getContentLengthLong":
                    return 0L;
                default:
                    try {
                        return m.invoke(stub, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
            }
        });
    }

    /** A response that keeps its status, headers and body. */
    static final class Written {
        int status = 200;
        final Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        final ByteArrayOutputStream body = new ByteArrayOutputStream();

        HttpServletResponse response() {
            ServletOutputStream out = new ServletOutputStream() {
                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                }

                @Override
                public void write(int b) {
                    body.write(b);
                }
            };
            return StubRequest.proxy(HttpServletResponse.class, (proxy, m, args) -> {
                switch (m.getName()) {
                    case "setStatus":
                        status = (Integer) args[0];
                        return null;
                    case "getStatus":
                        return status;
                    case "setHeader":
                    case "addHeader":
                        headers.put((String) args[0], (String) args[1]);
                        return null;
                    case "setContentType":
                        headers.put("Content-Type", (String) args[0]);
                        return null;
                    case "getContentType":
                        return headers.get("Content-Type");
                    case "getHeaderNames":
                        return headers.keySet();
                    case "getHeaders":
                        return headers.containsKey((String) args[0]) ? java.util.List.of(headers.get((String) args[0]))
                                : java.util.List.of();
                    case "setContentLength":
                    case "flushBuffer":
                        return null;
                    case "getOutputStream":
                        return out;
                    default:
                        return StubRequest.objectMethod(proxy, m, args, "HttpServletResponse");
                }
            });
        }

        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    /** Intake and claim of one keyed POST, as the filter takes them (no body read). */
    static Submission submit(SubmissionFlow flow, HttpServletRequest request, Written written) throws Exception {
        HttpServletResponse response = written.response();
        SubmissionFlow.Intake in = flow.intake(request, response);
        assertEquals(Submission.Next.RUN, in.next());
        return flow.claim(in, request, null, response);
    }

    @Test
    void theFirstRunsAndARepeatWhileItRunsGets409() throws Exception {
        SubmissionFlow flow = flow();
        Submission first = submit(flow, post("/pay", "k1"), new Written());
        assertEquals(Submission.Next.RUN, first.next());
        Written repeat = new Written();
        assertEquals(Submission.Next.ANSWERED, submit(flow, post("/pay", "k1"), repeat).next());
        assertEquals(409, repeat.status);
        assertTrue(repeat.text().contains("still being processed"), repeat.text());
        assertEquals(1, flow.count(Verdict.FIRST));
        assertEquals(1, flow.count(Verdict.DUPLICATE));
    }

    @Test
    void aCompletedFirstKeepsRepeatsOutForTheWindow() throws Exception {
        SubmissionFlow flow = flow();
        Submission first = submit(flow, post("/pay", "k2"), new Written());
        Written ok = new Written();
        ok.status = 201;
        flow.finish(first, true, ok.response(), null);
        Written repeat = Conditions.await(() -> {
            Written w = new Written();
            assertEquals(Submission.Next.ANSWERED, submit(flow, post("/pay", "k2"), w).next());
            return w;
        }, w -> w.text().contains("already processed"), Duration.ofSeconds(10));
        assertEquals(409, repeat.status);
    }

    @Test
    void aFailedFirstLeavesNothingSoTheRepeatRuns() throws Exception {
        SubmissionFlow flow = flow();
        Submission first = submit(flow, post("/pay", "k3"), new Written());
        flow.finish(first, false, new Written().response(), null);
        Submission repeat = Conditions.await(() -> {
            Submission s = submit(flow, post("/pay", "k3"), new Written());
            return s;
        }, s -> s.next() == Submission.Next.RUN, Duration.ofSeconds(10));
        assertEquals(Submission.Next.RUN, repeat.next());
    }

    @Test
    void aKeyReusedForAnotherRequestGets422() throws Exception {
        SubmissionFlow flow = flow();
        Submission first = submit(flow, post("/pay", "k4"), new Written());
        flow.finish(first, true, new Written().response(), null);
        Written other = Conditions.await(() -> {
            Written w = new Written();
            submit(flow, post("/refund", "k4"), w);
            return w;
        }, w -> w.status == 422, Duration.ofSeconds(10));
        assertEquals(422, other.status);
        assertEquals(1, flow.count(Verdict.KEY_REUSED));
    }

    @Test
    void replayModeAnswersTheRepeatWithTheFirstsStoredResponseCountedAgainstItsClient() throws Exception {
        SubmissionFlow flow = flow("mode", "replay");
        Submission first = submit(flow, post("/pay", "k5"), new Written());
        Written out = new Written();
        io.tollgate.internal.http.CapturingResponse capture =
                new io.tollgate.internal.http.CapturingResponse(out.response(), 1024);
        capture.setStatus(201);
        capture.setContentType("text/plain");
        capture.getOutputStream().write("paid".getBytes(StandardCharsets.UTF_8));
        flow.finish(first, true, capture, capture);
        Written repeat = new Written();
        assertEquals(Submission.Next.ANSWERED, submit(flow, post("/pay", "k5"), repeat).next());
        assertEquals(201, repeat.status);
        assertEquals("paid", repeat.text());
        assertEquals("true", repeat.headers.get("Idempotent-Replayed"));
        synchronized (stored) {
            assertEquals(1, stored.size(), "one client's stored bytes counted: " + stored);
        }
    }

    @Test
    void theHeadersDecideWhatIsGuardedBeforeAnyBodyIsRead() throws Exception {
        SubmissionFlow flow = flow("fingerprint", "none");
        Written bad = new Written();
        assertEquals(Submission.Next.ANSWERED, flow.intake(post("/pay", "   "), bad.response()).next());
        assertEquals(400, bad.status);
        assertEquals(Submission.Next.PASS, flow.intake(post("/pay", null), new Written().response()).next());
        HttpServletRequest get = bodiless(StubRequest.request().method("GET").servletPath("/pay"));
        assertEquals(Submission.Next.PASS, flow.intake(get, new Written().response()).next());
    }

    @Test
    void aRequestWithNothingToRecogniseItByPassesUnguarded() throws Exception {
        SubmissionFlow flow = flow();
        HttpServletRequest request = post("/pay", null);
        Written w = new Written();
        SubmissionFlow.Intake in = flow.intake(request, w.response());
        assertEquals(Submission.Next.PASS, flow.claim(in, request, null, w.response()).next());
        assertEquals(1, flow.count(Verdict.UNGUARDED));
    }
}
