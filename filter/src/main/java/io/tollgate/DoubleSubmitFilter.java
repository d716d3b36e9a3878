package io.tollgate;

import io.tollgate.internal.http.BufferedRequest;
import io.tollgate.internal.http.CapturingResponse;
import io.tollgate.internal.http.FirstPass;
import io.tollgate.internal.runtime.CommonSettings;
import io.tollgate.internal.runtime.FilterLifecycle;
import io.tollgate.internal.submit.ClientStorage;
import io.tollgate.internal.submit.DoubleSubmitResponses;
import io.tollgate.internal.submit.DoubleSubmitSettings;
import io.tollgate.internal.submit.RedisSubmissionGuard;
import io.tollgate.internal.submit.Submission;
import io.tollgate.internal.submit.SubmissionFlow;
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
    /**
     * Client identity: {@code auto} (user, else session, else the {@code Authorization} header, else the
     * cookies with the IP, else the IP), {@code user}, {@code session}, {@code ip}, {@code header:NAME},
     * {@code cookie:NAME}.
     */
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
    /**
     * Replicas that must acknowledge a claim ({@code WAIT}, pipelined after the claim) within
     * {@code backendTimeout} before it counts; fewer is a backend failure for that request
     * ({@code onBackendFailure}; {@code deny} advised). Closes most of the window in which a failover loses a
     * claim or a record; needs a topology with replicas (checked at start-up).
     */
    public static final String PARAM_REPLICA_ACKS = DoubleSubmitSettings.PARAM_REPLICA_ACKS;
    /** Default of {@value #PARAM_REPLICA_ACKS}: {@value}. */
    public static final String DEFAULT_REPLICA_ACKS = DoubleSubmitSettings.DEFAULT_REPLICA_ACKS;
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

    /**
     * Request attribute (a {@code Long}) the servlet finds on the request that runs a submission: its fencing
     * token, a number that only increases per submission, so that a later run of the same submission (after a
     * lock lost to a failover or to {@code lockLease}) carries a larger one. Store it with what the request
     * writes and refuse a write with an older one (docs/double-submit.md, "Fencing token"). Absent when the
     * request ran on the {@code local} or {@code allow} fallback.
     */
    public static final String TOKEN_ATTRIBUTE = "io.tollgate.submission.token";

    /** Response header marking a replayed response: {@value}. */
    public static final String REPLAYED_HEADER = DoubleSubmitResponses.REPLAYED_HEADER;

    private static final Logger LOG = LoggerFactory.getLogger(DoubleSubmitFilter.class);

    /** Created by the servlet container from {@code web.xml}'s {@code <filter-class>}; configured in {@link #init}. */
    public DoubleSubmitFilter() {
    }

    private FilterLifecycle<DoubleSubmitSettings> runtime;
    private DoubleSubmitSettings settings;
    private SubmissionFlow flow;
    private FirstPass firstPass;
    /** Bytes of request bodies being held now, against maxBufferedBytes. */
    private final AtomicLong bytesHeld = new AtomicLong();

    @Override
    public void init(FilterConfig config) throws ServletException {
        runtime = FilterLifecycle.start(config, "DoubleSubmitFilter", LOG, DoubleSubmitSettings.NAMES,
                DoubleSubmitSettings::parse, DoubleSubmitSettings::shared);
        settings = runtime.settings();
        // WAIT gets half of backendTimeout, so that its answer (and the release of an unacknowledged claim)
        // arrives within it
        RedisSubmissionGuard guard = new RedisSubmissionGuard(runtime.client(), settings.replicaAcks(),
                settings.shared().backendTimeout().dividedBy(2));
        ClientStorage storage = new ClientStorage(runtime.client(), settings.shared().keyPrefix(),
                settings.maxStoredBytesPerClient());
        flow = new SubmissionFlow(settings, guard, storage, runtime.redis(), runtime.logPrefix());
        firstPass = new FirstPass("DoubleSubmitFilter", config.getFilterName());
        DoubleSubmitMetrics metrics = new DoubleSubmitMetrics(runtime.redis(), settings.toString(), flow::count,
                flow::staleCompletions);
        if (settings.replicaAcks() > 0 && runtime.client().getConfig().isSingleConfig()) {
            destroy();
            throw failedStart(replicaAcksError(config, "needs replicas, and the Redis configured is a single server:"
                    + " name a sentinel, cluster, replicated or master/slave setup in redissonConfig, or set"
                    + " replicaAcks to 0"));
        }
        runtime.ready(config, metrics, () -> guard.connect(settings.shared().keyPrefix()));
        if (settings.replicaAcks() > 0) {
            checkReplicas(config, guard);
        }
    }

    private String replicaAcksError(FilterConfig config, String rule) {
        return "init-param [" + PARAM_REPLICA_ACKS + "] was [" + settings.replicaAcks() + "]: " + rule
                + " (filter [" + config.getFilterName() + "])";
    }

    /**
     * {@code replicaAcks} needs replicas: a Redis that answers with fewer replicas acknowledging a write than
     * it asks for fails start-up (every claim would fail). A Redis that does not answer yet does not: the
     * webapp deploys, and each request learns it.
     */
    private void checkReplicas(FilterConfig config, RedisSubmissionGuard guard) throws ServletException {
        Integer acks = runtime.redis().await(() -> guard.replicasAcknowledging(settings.shared().keyPrefix()),
                settings.shared().backendTimeout(), null);
        if (acks != null && acks < settings.replicaAcks()) {
            destroy();
            throw failedStart(replicaAcksError(config, "only " + acks + " replica(s) acknowledged a write"
                    + " within " + settings.shared().backendTimeout().dividedBy(2).toMillis()
                    + " ms, so every claim would fail"));
        }
        if (acks == null) {
            LOG.warn("{} could not check that {} replica(s) acknowledge writes (replicaAcks): Redis did not answer"
                    + " within backendTimeout", runtime.logPrefix(), settings.replicaAcks());
        }
    }

    private static ServletException failedStart(String message) {
        LOG.error("Tollgate DoubleSubmitFilter did not start: {}", message);
        return new ServletException(message);
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
        if (!firstPass.claim(request)) {
            // a forward, include, async or error dispatch of a request already decided: never its own repeat
            chain.doFilter(request, response);
            return;
        }
        SubmissionFlow.Intake in = flow.intake(request, response);
        if (in.next() != Submission.Next.RUN) {
            if (in.next() == Submission.Next.PASS) {
                chain.doFilter(request, response);
            }
            return;
        }
        // bodies held at once stay within maxBufferedBytes: stalled uploads must not fill the heap
        long held = in.readsBody() ? reserve(in.bodyBytes()) : -1;
        if (held < 0 && in.readsBody() && in.keyed() && in.bodyBytes() <= settings.maxBufferedBytes()) {
            // read whenever there is room: unread now, it could not be compared with the first under its key
            flow.bodyNotHeld(response);
            return;
        }
        boolean releasedLater = false;
        try {
            BufferedRequest body = held >= 0 ? BufferedRequest.read(request, settings.maxBodyBytes(), in.form()) : null;
            HttpServletRequest toServlet = in.toServlet(request, body);
            Submission submission = flow.claim(in, request, body, response);
            if (submission.next() == Submission.Next.RUN) {
                run(toServlet, response, chain, submission);
            } else if (submission.next() == Submission.Next.PASS) {
                chain.doFilter(toServlet, response);
            }
            if (held > 0 && request.isAsyncStarted()) {
                releasedLater = true;
                releaseOnCompletion(request, held);
            }
        } finally {
            if (!releasedLater) {
                bytesHeld.addAndGet(-Math.max(0, held));
            }
        }
    }

    /** An async request's body counts against maxBufferedBytes until the request completes. */
    private void releaseOnCompletion(HttpServletRequest request, long held) {
        AtomicBoolean released = new AtomicBoolean();
        request.getAsyncContext().addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
                if (released.compareAndSet(false, true)) {
                    bytesHeld.addAndGet(-held);
                }
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                // onComplete follows
            }

            @Override
            public void onError(AsyncEvent event) {
                // onComplete follows
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                event.getAsyncContext().addListener(this);
            }
        });
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

    /** Runs the submission this request owns (capturing its response in replay mode), then finishes it. */
    private void run(HttpServletRequest request, HttpServletResponse response, FilterChain chain,
            Submission submission) throws IOException, ServletException {
        CapturingResponse capture = settings.mode() == DoubleSubmitSettings.Mode.REPLAY
                ? new CapturingResponse(response, settings.maxResponseBytes()) : null;
        HttpServletResponse out = capture != null ? capture : response;
        if (submission.token() > 0) {
            request.setAttribute(TOKEN_ATTRIBUTE, submission.token());
        }
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
                        flow.finish(submission, !failed.get(), out, seen);
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
                flow.finish(submission, returned, out, capture);
            }
        }
    }

    @Override
    public void destroy() {
        if (runtime != null) {
            runtime.stop();
            runtime = null;
        }
    }
}
