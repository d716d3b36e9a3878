package io.tollgate;

import io.tollgate.internal.redis.BackendHealth;
import io.tollgate.internal.redis.BoundedCall;
import io.tollgate.internal.http.BufferedRequest;
import io.tollgate.internal.http.CapturingResponse;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.submit.Answer;
import io.tollgate.internal.submit.ClientStorage;
import io.tollgate.internal.submit.SubmissionRecord;
import io.tollgate.internal.submit.DoubleSubmitResponses;
import io.tollgate.internal.submit.IdempotencyKey;
import io.tollgate.internal.submit.DoubleSubmitSettings;
import io.tollgate.internal.runtime.FilterLifecycle;
import io.tollgate.internal.submit.Fingerprints;
import io.tollgate.internal.submit.LocalSubmissionGuard;
import io.tollgate.internal.submit.RedisSubmissionGuard;
import io.tollgate.internal.submit.SubmissionGuard;
import io.tollgate.internal.submit.SubmissionGuard.Claim;
import io.tollgate.internal.runtime.CommonSettings;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Stops double submits: of N identical requests (a double-clicked "Pay", a retried "Place order") exactly
 * one reaches the servlet, across every app instance sharing the Redis.
 *
 * <p>A request is identified by its {@code Idempotency-Key} header (scoped per client) or, without one, by
 * a fingerprint of client, method, path, query and the SHA-256 of its body. While the first runs it holds
 * a Redis lock; after it completed, a record of it stays for {@code window} ({@code keyWindow} for keyed
 * requests). A repeat gets {@code 409 Conflict} ({@code mode=reject}) or waits for the first and gets its
 * stored response with {@code Idempotent-Replayed: true} ({@code mode=replay}). A key reused with another
 * request gets {@code 422}.
 *
 * <p>The body is read once and handed to the servlet untouched; form fields stay available through
 * {@code getParameter}. A first request that fails (an exception or a 5xx) leaves no record, so the
 * repeat runs. See docs/double-submit.md.
 *
 * <p><b>WARNING:</b> with {@code client=ip} or {@code auto} for anonymous users behind a reverse proxy,
 * set {@link #PARAM_TRUSTED_PROXIES}, or every client shares the proxy's address.
 */
public final class DoubleSubmitFilter implements Filter {

    /** Methods guarded, comma-separated. */
    public static final String PARAM_METHODS = CommonSettings.PARAM_METHODS;
    /** Default of {@value #PARAM_METHODS}: {@value}. */
    public static final String DEFAULT_METHODS = DoubleSubmitSettings.DEFAULT_METHODS;
    /** A client-sent header naming the operation; guarded per client. */
    public static final String PARAM_KEY_HEADER = DoubleSubmitSettings.PARAM_KEY_HEADER;
    /** Default of {@value #PARAM_KEY_HEADER}: {@value}. */
    public static final String DEFAULT_KEY_HEADER = DoubleSubmitSettings.DEFAULT_KEY_HEADER;
    /** Without a key header: {@code body} (fingerprint client, method, path, query and body) or {@code none} (not guarded). */
    public static final String PARAM_FINGERPRINT = DoubleSubmitSettings.PARAM_FINGERPRINT;
    /** Default of {@value #PARAM_FINGERPRINT}: {@value}. */
    public static final String DEFAULT_FINGERPRINT = DoubleSubmitSettings.DEFAULT_FINGERPRINT;
    /** Client identity: {@code auto} (user, else session, else IP), {@code user}, {@code session}, {@code ip}, {@code header:NAME}. */
    public static final String PARAM_CLIENT = DoubleSubmitSettings.PARAM_CLIENT;
    /** Default of {@value #PARAM_CLIENT}: {@value}. */
    public static final String DEFAULT_CLIENT = DoubleSubmitSettings.DEFAULT_CLIENT;
    /** {@code reject} (a repeat gets 409) or {@code replay} (a repeat gets the first's response). */
    public static final String PARAM_MODE = DoubleSubmitSettings.PARAM_MODE;
    /** Default of {@value #PARAM_MODE}: {@value}. */
    public static final String DEFAULT_MODE = DoubleSubmitSettings.DEFAULT_MODE;
    /** How long after completion a repeat still counts as a duplicate (requests without a key header). */
    public static final String PARAM_WINDOW = DoubleSubmitSettings.PARAM_WINDOW;
    /** Default of {@value #PARAM_WINDOW}: {@value}. */
    public static final String DEFAULT_WINDOW = DoubleSubmitSettings.DEFAULT_WINDOW;
    /** How long after completion a repeated key header still counts as a duplicate. */
    public static final String PARAM_KEY_WINDOW = DoubleSubmitSettings.PARAM_KEY_WINDOW;
    /** Default of {@value #PARAM_KEY_WINDOW}: {@value}. */
    public static final String DEFAULT_KEY_WINDOW = DoubleSubmitSettings.DEFAULT_KEY_WINDOW;
    /** Longest a lock outlives a crashed node; must exceed the longest request guarded. */
    public static final String PARAM_LOCK_LEASE = DoubleSubmitSettings.PARAM_LOCK_LEASE;
    /** Default of {@value #PARAM_LOCK_LEASE}: {@value}. */
    public static final String DEFAULT_LOCK_LEASE = DoubleSubmitSettings.DEFAULT_LOCK_LEASE;
    /** {@code replay} only: how long a repeat waits for the first to finish. */
    public static final String PARAM_WAIT_TIMEOUT = DoubleSubmitSettings.PARAM_WAIT_TIMEOUT;
    /** Default of {@value #PARAM_WAIT_TIMEOUT}: {@value}. */
    public static final String DEFAULT_WAIT_TIMEOUT = DoubleSubmitSettings.DEFAULT_WAIT_TIMEOUT;
    /** Bodies above are not fingerprinted (guarded by key header only); they reach the servlet untouched. */
    public static final String PARAM_MAX_BODY_BYTES = DoubleSubmitSettings.PARAM_MAX_BODY_BYTES;
    /** Default of {@value #PARAM_MAX_BODY_BYTES}: {@value}. */
    public static final String DEFAULT_MAX_BODY_BYTES = DoubleSubmitSettings.DEFAULT_MAX_BODY_BYTES;
    /** {@code replay} only: responses with a larger body are not stored; their repeats get 409. */
    public static final String PARAM_MAX_RESPONSE_BYTES = DoubleSubmitSettings.PARAM_MAX_RESPONSE_BYTES;
    /** Default of {@value #PARAM_MAX_RESPONSE_BYTES}: {@value}. */
    public static final String DEFAULT_MAX_RESPONSE_BYTES = DoubleSubmitSettings.DEFAULT_MAX_RESPONSE_BYTES;
    /** Bytes of request bodies one filter buffers at once; a body over it is guarded by its key header only. */
    public static final String PARAM_MAX_BUFFERED_BYTES = DoubleSubmitSettings.PARAM_MAX_BUFFERED_BYTES;
    /** Default of {@value #PARAM_MAX_BUFFERED_BYTES}: {@value}. */
    public static final String DEFAULT_MAX_BUFFERED_BYTES = DoubleSubmitSettings.DEFAULT_MAX_BUFFERED_BYTES;
    /** {@code replay} only: bytes of stored responses one client may keep per {@code keyWindow}; beyond it, repeats get 409. */
    public static final String PARAM_MAX_STORED_BYTES_PER_CLIENT = DoubleSubmitSettings.PARAM_MAX_STORED_BYTES_PER_CLIENT;
    /** Default of {@value #PARAM_MAX_STORED_BYTES_PER_CLIENT}: {@value}. */
    public static final String DEFAULT_MAX_STORED_BYTES_PER_CLIENT = DoubleSubmitSettings.DEFAULT_MAX_STORED_BYTES_PER_CLIENT;
    /** Servlet URL patterns never guarded. */
    public static final String PARAM_EXCLUDE = CommonSettings.PARAM_EXCLUDE;
    /** IPs and CIDRs of proxies whose {@code X-Forwarded-For} is believed (for the client's IP). */
    public static final String PARAM_TRUSTED_PROXIES = CommonSettings.PARAM_TRUSTED_PROXIES;
    /** Header the trusted proxies write the client address into. */
    public static final String PARAM_CLIENT_IP_HEADER = CommonSettings.PARAM_CLIENT_IP_HEADER;
    /** Default of {@value #PARAM_CLIENT_IP_HEADER}: {@value}. */
    public static final String DEFAULT_CLIENT_IP_HEADER = CommonSettings.DEFAULT_CLIENT_IP_HEADER;
    /**
     * IPv6 clients are keyed by their network of this prefix length (32 to 128), for {@code ip} keys and
     * client identities: one subscriber gets a whole /64, and new addresses inside it are not new clients.
     */
    public static final String PARAM_IPV6_PREFIX = CommonSettings.PARAM_IPV6_PREFIX;
    /** Default of {@value #PARAM_IPV6_PREFIX}: {@value}. */
    public static final String DEFAULT_IPV6_PREFIX = CommonSettings.DEFAULT_IPV6_PREFIX;

    /** Response header marking a replayed response: {@value}. */
    public static final String REPLAYED_HEADER = DoubleSubmitResponses.REPLAYED_HEADER;

    private static final Logger LOG = LoggerFactory.getLogger(DoubleSubmitFilter.class);

    /** Created by the servlet container from {@code web.xml}'s {@code <filter-class>}; configured in {@link #init}. */
    public DoubleSubmitFilter() {
    }

    /** Lock owner ids: negative, so they never meet a real thread id of code sharing the client. */
    private static final AtomicLong OWNERS = new AtomicLong();

    private FilterLifecycle<DoubleSubmitSettings> runtime;
    private DoubleSubmitSettings settings;
    private RedisSubmissionGuard guard;
    private ClientStorage storage;
    /** Bytes of request bodies being held now, against maxBufferedBytes. */
    private final AtomicLong bytesHeld = new AtomicLong();
    private final AtomicLong nextStoreWarning = new AtomicLong();
    /** onBackendFailure=local: this instance's own guard, taken before Redis; else null. */
    private LocalSubmissionGuard localGuard;
    private BoundedCall redisCall;
    private ClientIpResolver clientIps;
    private BackendHealth health;
    private DoubleSubmitMetrics metrics;
    private DoubleSubmitResponses responses;
    private String logPrefix;
    private final AtomicBoolean leaseWarned = new AtomicBoolean();

    @Override
    public void init(FilterConfig config) throws ServletException {
        runtime = FilterLifecycle.start(config, "DoubleSubmitFilter", LOG, DoubleSubmitSettings.NAMES,
                DoubleSubmitSettings::parse, DoubleSubmitSettings::shared);
        settings = runtime.settings();
        logPrefix = runtime.logPrefix();
        health = runtime.health();
        redisCall = runtime.boundedCall();
        guard = new RedisSubmissionGuard(runtime.client());
        storage = new ClientStorage(runtime.client());
        localGuard = settings.shared().onBackendFailure() == BackendFailurePolicy.LOCAL ? new LocalSubmissionGuard() : null;
        clientIps = settings.clientIpResolver();
        metrics = new DoubleSubmitMetrics(health, settings.toString());
        responses = new DoubleSubmitResponses(settings);
        runtime.ready(config, metrics, () -> guard.connect(settings.shared().keyPrefix()));
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
            throws IOException, ServletException {
        if (!(req instanceof HttpServletRequest) || !(res instanceof HttpServletResponse)) {
            chain.doFilter(req, res);
            return;
        }
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        if (settings.skips(request)) {
            chain.doFilter(request, response);
            return;
        }
        String key = request.getHeader(settings.keyHeader());
        if (key != null) {
            key = IdempotencyKey.parse(key);
            if (key == null) {
                responses.invalidKey(response);
                return;
            }
        } else if (!settings.fingerprintBody()) {
            chain.doFilter(request, response);
            return;
        }
        String contentType = request.getContentType() == null ? ""
                : request.getContentType().toLowerCase(Locale.ROOT);
        long length = request.getContentLengthLong();
        boolean form = contentType.startsWith("application/x-www-form-urlencoded");
        // not read: too large to hold, parts the container must parse itself, or a form of unknown length
        // (its fields must all be held to answer getParameter, and it could be any size)
        boolean readable = length <= settings.maxBodyBytes() && !contentType.startsWith("multipart/")
                && !(form && length < 0);
        // nor when the bodies held at once would pass maxBufferedBytes: stalled uploads must not fill the heap
        long held = readable ? reserve(length < 0 ? settings.maxBodyBytes() : length) : -1;
        try {
            HttpServletRequest toServlet = request;
            byte[] bodyDigest = null;
            if (held >= 0) {
                BufferedRequest body = BufferedRequest.read(request, settings.maxBodyBytes(), form);
                if (form && body.body().length == 0 && length > 0) {
                    // an earlier filter already had the container parse this form: its fields are what we have
                    bodyDigest = Fingerprints.form(request.getParameterMap());
                } else {
                    toServlet = body;
                    if (body.complete()) {
                        bodyDigest = Fingerprints.body(body.body());
                    }
                }
            }
            if (key == null && bodyDigest == null) {
                metrics.count(Answer.UNGUARDED);
                chain.doFilter(toServlet, response); // nothing to recognise a repeat by
                return;
            }
            guarded(request, response, chain, toServlet, key, bodyDigest);
        } finally {
            // an async request's body counts until its first thread returns, not until it completes
            bytesHeld.addAndGet(-Math.max(0, held));
        }
    }

    /** Counts {@code bytes} against maxBufferedBytes: the bytes counted, or -1 when they do not fit. */
    private long reserve(long bytes) {
        while (true) {
            long now = bytesHeld.get();
            if (now + bytes > settings.maxBufferedBytes()) {
                return -1;
            }
            if (bytesHeld.compareAndSet(now, now + bytes)) {
                return bytes;
            }
        }
    }

    private void guarded(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
            HttpServletRequest toServlet, String key, byte[] bodyDigest) throws IOException, ServletException {
        byte[] fingerprint = Fingerprints.request(request, bodyDigest);
        // a record is only ever found again by the same client at the same Host
        String client = settings.client().resolve(request, clientIps) + "|host:" + Fingerprints.host(request);
        String id = key != null ? RedisKeys.keyedSubmission(settings.shared().keyPrefix(), client, key)
                : RedisKeys.fingerprintedSubmission(settings.shared().keyPrefix(), client, Fingerprints.hex(fingerprint));
        Duration keep = key != null ? settings.keyWindow() : settings.window();
        long owner = -OWNERS.incrementAndGet();

        if (localGuard != null) {
            // duplicates on this instance are stopped here, whatever Redis answers or fails to
            Claim local = localGuard.claim(id, owner, settings.lockLease()).toCompletableFuture().join();
            if (local.state() == SubmissionGuard.SubmissionState.IN_FLIGHT && settings.mode() == DoubleSubmitSettings.Mode.REPLAY) {
                local = awaitLocally(id, owner);
            }
            if (local.state() != SubmissionGuard.SubmissionState.RUN) {
                answer(response, local, key != null, fingerprint);
                return;
            }
        }
        Claim claim = bounded(() -> guard.claim(id, owner, settings.lockLease()),
                settings.shared().backendTimeout(), id, owner);
        if (claim != null && claim.state() == SubmissionGuard.SubmissionState.IN_FLIGHT
                && settings.mode() == DoubleSubmitSettings.Mode.REPLAY) {
            Claim waited = bounded(() -> guard.await(id, owner, settings.lockLease(), settings.waitTimeout()),
                    settings.waitTimeout().plus(settings.shared().backendTimeout()), id, owner);
            // Redis said another request runs it: a wait that failed or was interrupted still ends in a 409
            claim = waited != null ? waited : claim;
        }
        if (claim == null) {
            health.fellBack();
            switch (settings.shared().onBackendFailure()) {
                case DENY:
                    responses.backendUnavailable(response);
                    return;
                case LOCAL:
                    metrics.count(Answer.FIRST);
                    run(toServlet, response, chain, id, client, owner, keep, fingerprint, false); // under the local claim
                    return;
                default:
                    chain.doFilter(toServlet, response);
                    return;
            }
        }
        if (claim.state() == SubmissionGuard.SubmissionState.RUN) {
            metrics.count(Answer.FIRST);
            run(toServlet, response, chain, id, client, owner, keep, fingerprint, true);
            return;
        }
        if (localGuard != null) {
            localGuard.abandon(id, owner); // Redis knows better: another instance has or had it
        }
        answer(response, claim, key != null, fingerprint);
    }

    /** A repeat: 409 while the first is in flight, else what the first left (422, a replay, or 409). */
    private void answer(HttpServletResponse response, Claim claim, boolean keyed, byte[] fingerprint)
            throws IOException {
        if (claim.state() == SubmissionGuard.SubmissionState.IN_FLIGHT) {
            metrics.count(Answer.DUPLICATE);
            responses.inFlight(response);
        } else {
            metrics.count(responses.repeat(response, claim.record(), keyed, fingerprint));
        }
    }

    /** Replay mode: waits for the same submission running on this instance; an interrupt ends the wait. */
    private Claim awaitLocally(String id, long owner) {
        try {
            return localGuard.await(id, owner, settings.lockLease(), settings.waitTimeout()).toCompletableFuture().join();
        } catch (java.util.concurrent.CompletionException e) {
            return new Claim(SubmissionGuard.SubmissionState.IN_FLIGHT, null); // interrupted (the flag is set again)
        }
    }

    private void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain, String id,
            String client, long owner, Duration keep, byte[] fingerprint, boolean redisHeld)
            throws IOException, ServletException {
        CapturingResponse capture = settings.mode() == DoubleSubmitSettings.Mode.REPLAY
                ? new CapturingResponse(response, settings.maxResponseBytes()) : null;
        HttpServletResponse out = capture != null ? capture : response;
        boolean returned = false;
        try {
            chain.doFilter(request, out);
            returned = true;
        } finally {
            if (returned && request.isAsyncStarted()) {
                AtomicBoolean failed = new AtomicBoolean();
                // startAsync() without arguments hands the servlet the container's own response, which
                // the capture never sees: such a response is not stored (its repeats get 409)
                CapturingResponse seen = request.getAsyncContext().hasOriginalRequestAndResponse() ? null : capture;
                request.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        finish(id, client, owner, keep, fingerprint, !failed.get(), out, seen, redisHeld);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                        failed.set(true);
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        failed.set(true);
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        event.getAsyncContext().addListener(this);
                    }
                });
            } else {
                finish(id, client, owner, keep, fingerprint, returned, out, capture, redisHeld);
            }
        }
    }

    /**
     * The first request is done: a success worth keeping leaves a record for the window; a failure, or an
     * answer that says the request did nothing (404, 401, ...), only releases the lock so that a repeat may
     * run. Neither holds up the response, and nothing that fails here reaches the client: the lock is
     * released and a WARN says why.
     */
    private void finish(String id, String client, long owner, Duration keep, byte[] fingerprint, boolean returned,
            HttpServletResponse out, CapturingResponse capture, boolean redisHeld) {
        boolean failed = !returned || !DoubleSubmitResponses.worthKeeping(out.getStatus());
        byte[] marker = SubmissionRecord.marker(fingerprint).encode();
        byte[] record = null;
        if (!failed) {
            try {
                record = DoubleSubmitResponses.record(fingerprint, out, capture).encode();
            } catch (RuntimeException e) {
                LOG.warn("{} could not keep a response for replay (its repeats get 409 instead): {}", logPrefix,
                        e.toString());
                record = marker;
            }
        }
        if (failed || !redisHeld || record.length <= marker.length) { // a marker is too small to count
            if (localGuard != null) {
                if (failed) {
                    localGuard.abandon(id, owner);
                } else {
                    localGuard.complete(id, owner, record, keep);
                }
            }
            if (redisHeld) {
                whenStored(id, owner, failed ? guard.abandon(id, owner) : guard.complete(id, owner, record, keep));
            }
            return;
        }
        byte[] full = record;
        whenStored(id, owner, storage.take(settings.shared().keyPrefix(), client, full.length,
                        settings.maxStoredBytesPerClient(), settings.keyWindow())
                .exceptionally(e -> false) // not counted, not kept: the marker still stops repeats
                .thenCompose(fits -> {
                    // this instance keeps what Redis keeps: a repeat gets the same answer on every instance
                    byte[] kept = fits ? full : marker;
                    if (localGuard != null) {
                        localGuard.complete(id, owner, kept, keep);
                    }
                    return guard.complete(id, owner, kept, keep);
                }));
    }

    /** A failure to store or release is the client's no more: the lock is released and a WARN says why. */
    private void whenStored(String id, long owner, CompletionStage<Void> done) {
        done.whenComplete((v, e) -> {
            if (e == null) {
                return;
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null
                    ? e.getCause() : e;
            if (cause instanceof IllegalMonitorStateException) {
                if (leaseWarned.compareAndSet(false, true)) {
                    LOG.warn("{} a request outlived its lock (lockLease {}): raise lockLease above the longest"
                            + " request this filter guards, or a repeat may run while the first still does",
                            logPrefix, settings.lockLease());
                }
                return;
            }
            redisCall.failedUnwatched(cause);
            guard.abandon(id, owner); // not held until lockLease: the client has its answer, a retry may run
            long now = System.nanoTime();
            long next = nextStoreWarning.get();
            if (now - next >= 0 && nextStoreWarning.compareAndSet(next, now + TimeUnit.SECONDS.toNanos(10))) {
                LOG.warn("{} could not store the record of a request (lock released, so a repeat runs again): {}",
                        logPrefix, cause.toString());
            }
        });
    }

    /**
     * Asks the guard, waiting up to {@code timeout}; null when this request must take the fallback. A lock
     * granted after we stopped waiting is given straight back.
     */
    private Claim bounded(java.util.function.Supplier<CompletionStage<Claim>> call, Duration timeout, String id,
            long owner) {
        BoundedCall.Result<Claim> result = redisCall.call(call, timeout, late -> {
            if (late.state() == SubmissionGuard.SubmissionState.RUN) {
                guard.abandon(id, owner);
            }
        });
        return result.answered() ? result.value() : null;
    }

    @Override
    public void destroy() {
        if (runtime != null) {
            runtime.stop();
            runtime = null;
        }
    }
}
