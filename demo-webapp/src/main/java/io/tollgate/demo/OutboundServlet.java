package io.tollgate.demo;

import io.tollgate.outbound.OutboundLimiter;
import io.tollgate.outbound.PermitTimeoutException;
import io.tollgate.outbound.ProviderChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs {@value #CALLERS} concurrent callers against the simulated external API for a few seconds and
 * reports what it answered: {@code mode=direct} (no limiter: the provider refuses the excess),
 * {@code mode=limited} (an {@link OutboundLimiter} of the provider's own limit: no 429, throughput at the
 * limit) or {@code mode=chain} (a {@link ProviderChain}: calls spill to the second provider).
 */
public class OutboundServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;
    static final int CALLERS = 20;

    private final AtomicBoolean running = new AtomicBoolean();
    private transient OutboundLimiter alpha;
    private transient OutboundLimiter beta;
    private transient HttpClient http;
    private transient ExecutorService httpThreads;

    @Override
    public void init() throws ServletException {
        // the same Redis client, key prefix and failure policy as the webapp's Tollgate filters
        alpha = OutboundLimiter.builder("demo-alpha", UpstreamServlet.LIMIT + "/1s")
                .servletContext(getServletContext()).build();
        beta = OutboundLimiter.builder("demo-beta", UpstreamServlet.LIMIT + "/1s")
                .servletContext(getServletContext()).build();
        // the client's threads are ours to stop on undeploy (its default executor outlives the webapp)
        httpThreads = Executors.newCachedThreadPool();
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).executor(httpThreads).build();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String mode = req.getParameter("mode") == null ? "limited" : req.getParameter("mode");
        double seconds = Math.max(1, Math.min(10, parse(req.getParameter("seconds"), 3)));
        if (!mode.equals("direct") && !mode.equals("limited") && !mode.equals("chain")) {
            DemoJson.write(resp, 400, Map.of("error", "mode must be direct, limited or chain"));
            return;
        }
        if (!running.compareAndSet(false, true)) {
            DemoJson.write(resp, 409, Map.of("error", "a run is already going on this instance"));
            return;
        }
        try {
            String origin = "http://127.0.0.1:" + req.getLocalPort() + req.getContextPath() + "/upstream/";
            DemoJson.write(resp, 200, run(mode, seconds, origin));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            DemoJson.write(resp, 503, Map.of("error", "interrupted"));
        } finally {
            running.set(false);
        }
    }

    private Map<String, Object> run(String mode, double seconds, String origin) throws InterruptedException {
        // the provider still counts the calls of a run that just ended (it cannot tell who made them, and
        // a limiter only governs the calls it permits): let its window clear first
        Thread.sleep(1_100);
        Map<String, LongAdder> answered = new ConcurrentHashMap<>();
        LongAdder refused = new LongAdder();
        LongAdder failed = new LongAdder();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                running.add(callers.submit(() -> {
                    while (System.nanoTime() < end) {
                        Duration left = Duration.ofNanos(Math.max(1, end - System.nanoTime()));
                        try {
                            String provider;
                            int status;
                            if (mode.equals("chain")) {
                                ProviderChain.Answer<HttpResponse<String>> a = ProviderChain.<HttpResponse<String>>builder()
                                        .provider("alpha", alpha, () -> call(origin + "alpha"))
                                        .provider("beta", beta, () -> call(origin + "beta"))
                                        .accept(r -> r.statusCode() == 200)
                                        .waitForPermit(Duration.ofMillis(Math.min(100, left.toMillis())))
                                        .build().call();
                                provider = a.provider();
                                status = a.value().statusCode();
                            } else {
                                HttpResponse<String> r = mode.equals("limited")
                                        ? alpha.call(() -> call(origin + "alpha"), left) : call(origin + "alpha");
                                provider = "alpha";
                                status = r.statusCode();
                            }
                            if (status == 200) {
                                answered.computeIfAbsent(provider, p -> new LongAdder()).increment();
                            } else {
                                refused.increment();
                            }
                        } catch (PermitTimeoutException e) {
                            return null; // the run is over
                        } catch (ProviderChain.NoProviderException e) {
                            failed.increment();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return null;
                        } catch (Exception e) {
                            failed.increment();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get((long) seconds + 15, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    failed.increment();
                }
            }
        } finally {
            callers.shutdownNow();
        }
        long ok = answered.values().stream().mapToLong(LongAdder::sum).sum();
        Map<String, Object> byProvider = new LinkedHashMap<>();
        for (String p : new String[] {"alpha", "beta"}) {
            LongAdder n = answered.get(p);
            byProvider.put(p, n == null ? 0 : n.sum());
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("mode", mode);
        out.put("seconds", seconds);
        out.put("callers", CALLERS);
        out.put("providerLimitPerSecond", UpstreamServlet.LIMIT);
        out.put("ok", ok);
        out.put("okPerSecond", Math.round(ok / seconds * 10) / 10.0);
        out.put("refused429", refused.sum());
        out.put("noProvider", failed.sum());
        out.put("byProvider", byProvider);
        return out;
    }

    private HttpResponse<String> call(String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static double parse(String text, double fallback) {
        try {
            return text == null ? fallback : Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    @Override
    public void destroy() {
        if (alpha != null) {
            alpha.close();
        }
        if (beta != null) {
            beta.close();
        }
        if (http != null) {
            try {
                // Java 21+: stops the client's selector thread now; on 17 it ends once the client is collected
                HttpClient.class.getMethod("shutdownNow").invoke(http);
            } catch (ReflectiveOperationException e) {
                // Java 17: no such method
            }
            http = null;
            httpThreads.shutdownNow();
        }
    }
}
