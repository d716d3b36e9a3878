package io.tollgate;

import io.tollgate.internal.http.AsyncCompletion;
import io.tollgate.internal.http.BufferedRequest;
import io.tollgate.internal.http.CapturingResponse;
import io.tollgate.internal.filter.FilterSettings;
import io.tollgate.internal.filter.FilterLifecycle;
import io.tollgate.internal.submit.DoubleSubmitResponses;
import io.tollgate.internal.submit.DoubleSubmitSettings;
import io.tollgate.internal.submit.Submission;
import io.tollgate.internal.submit.SubmissionFlow;
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
    public static final String PARAM_METHODS = FilterSettings.PARAM_METHODS;
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
    /**
     * How long after a failover was noticed (a master with a new replication id: one WARN, counted as
     * {@code Failovers} in the MXBean) guarded requests are answered 503 instead of trusting the new master,
     * which may lack what the old one had not passed on; {@code 0}: not at all.
     */
    public static final String PARAM_FAILOVER_GRACE = DoubleSubmitSettings.PARAM_FAILOVER_GRACE;
    /** Default of {@value #PARAM_FAILOVER_GRACE}: {@value}. */
    public static final String DEFAULT_FAILOVER_GRACE = DoubleSubmitSettings.DEFAULT_FAILOVER_GRACE;
    /** Servlet URL patterns never guarded. */
    public static final String PARAM_EXCLUDE = FilterSettings.PARAM_EXCLUDE;
    /** IPs and CIDRs of proxies whose {@code X-Forwarded-For} is believed (for the client's IP). */
    public static final String PARAM_TRUSTED_PROXIES = FilterSettings.PARAM_TRUSTED_PROXIES;
    /** Header the trusted proxies write the client address into. */
    public static final String PARAM_CLIENT_IP_HEADER = FilterSettings.PARAM_CLIENT_IP_HEADER;
    /** Default of {@value #PARAM_CLIENT_IP_HEADER}: {@value}. */
    public static final String DEFAULT_CLIENT_IP_HEADER = FilterSettings.DEFAULT_CLIENT_IP_HEADER;
    /**
     * IPv6 clients are keyed by their network of this prefix length (32 to 128), for {@code ip} keys and
     * client identities: one subscriber gets a whole /64, and new addresses inside it are not new clients.
     */
    public static final String PARAM_IPV6_PREFIX = FilterSettings.PARAM_IPV6_PREFIX;
    /** Default of {@value #PARAM_IPV6_PREFIX}: {@value}. */
    public static final String DEFAULT_IPV6_PREFIX = FilterSettings.DEFAULT_IPV6_PREFIX;

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

    @Override
    public void init(FilterConfig config) throws ServletException {
        runtime = FilterLifecycle.start(config, "DoubleSubmitFilter", LOG, DoubleSubmitSettings.NAMES,
                DoubleSubmitSettings::parse);
        settings = runtime.settings();
        flow = SubmissionFlow.onRedis(settings, runtime.client(), runtime.redis());
        try {
            flow.start(runtime, config, new DoubleSubmitMetrics(runtime.redis(), settings.toString(), flow));
        } catch (ServletException e) {
            destroy();
            throw e;
        }
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
        SubmissionFlow.Intake in = flow.intake(request, response);
        if (in.next() != Submission.Next.RUN) {
            if (in.next() == Submission.Next.PASS) {
                chain.doFilter(request, response);
            }
            return;
        }
        try {
            BufferedRequest body = in.holdsBody() ? BufferedRequest.read(request, settings.maxBodyBytes(), in.form())
                    : null;
            HttpServletRequest toServlet = in.toServlet(request, body);
            Submission submission = flow.claim(in, request, body, response);
            if (submission.next() == Submission.Next.RUN) {
                run(toServlet, response, chain, submission);
            } else if (submission.next() == Submission.Next.PASS) {
                chain.doFilter(toServlet, response);
            }
        } finally {
            in.release(request);
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
                // startAsync() without arguments hands the servlet the container's own response, which
                // the capture never sees: such a response is not stored (its repeats get 409)
                CapturingResponse seen = request.getAsyncContext().hasOriginalRequestAndResponse() ? null : capture;
                AsyncCompletion.whenComplete(request, ok -> flow.finish(submission, ok, out, seen));
            } else {
                flow.finish(submission, returned, out, capture);
            }
        }
    }

    @Override
    public void destroy() {
        if (flow != null) {
            flow.close();
        }
        if (runtime != null) {
            runtime.stop();
            runtime = null;
        }
    }
}
