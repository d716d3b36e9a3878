package io.tollgate;

import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.FirstPass;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.filter.FilterLifecycle;
import io.tollgate.internal.ratelimit.Limit;
import io.tollgate.internal.ratelimit.LocalRateLimiter;
import io.tollgate.internal.ratelimit.Policy;
import io.tollgate.internal.ratelimit.RateDecision;
import io.tollgate.internal.ratelimit.RateLimitResponses;
import io.tollgate.internal.ratelimit.RateLimitSettings;
import io.tollgate.internal.ratelimit.RateLimiter;
import io.tollgate.internal.ratelimit.RejectionMemory;
import io.tollgate.internal.filter.FilterSettings;
import io.tollgate.internal.ratelimit.engine.Engines;
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
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * Puts every instance of a web application behind one shared rate limit kept in Redis.
 *
 * <p>Each request covered by the filter spends one permit of its client's budget (by default the client
 * IP; see {@link #PARAM_KEY}) in every limit of the policy, for example {@code 100/1m} or
 * {@code 10/s, 1000/1h}. All app instances pointing at the same Redis share the budget exactly. A request
 * over the limit gets {@code 429 Too Many Requests} with {@code Retry-After}, the rate-limit headers and an
 * {@code application/problem+json} body; admitted requests carry the headers too.
 *
 * <p>How the budget is kept is {@link #PARAM_ALGORITHM}: {@code sliding-log} (default, exact),
 * {@code token-bucket} (bursts, one small Redis key per client whatever the count: {@code 1000000/1d}) or
 * {@code rratelimiter} (Redisson's own {@code RRateLimiter} objects, which application code can open by name);
 * see docs/rate-limiting.md.
 *
 * <p><b>WARNING:</b> behind a reverse proxy or load balancer every request comes from the proxy's
 * address, so all clients would share one budget. Either map this filter after Tomcat's
 * {@code RemoteIpFilter}/{@code RemoteIpValve} (which restores the client address), or list the proxies in
 * {@link #PARAM_TRUSTED_PROXIES}. Never trust {@code X-Forwarded-For} from an address you do not run.
 *
 * <p>Configured with init-params (see docs/configuration.md); a wrong value stops the webapp from starting
 * with a message naming the param. A Redis that is down does not: requests then follow
 * {@value Tollgate#PARAM_ON_BACKEND_FAILURE}.
 */
public final class RateLimitFilter implements Filter {

    /** One or more {@code COUNT/PERIOD}, comma-separated, all enforced: {@code 100/1m}, {@code 10/s, 1000/1h}. Required unless {@link #PARAM_RULES}. */
    public static final String PARAM_LIMITS = RateLimitSettings.PARAM_LIMITS;
    /** Whose budget: {@code ip}, {@code user}, {@code session}, {@code header:NAME}, {@code param:NAME}, {@code global}, joined by {@code +} with {@code method} and {@code path}. */
    public static final String PARAM_KEY = RateLimitSettings.PARAM_KEY;
    /** Default of {@value #PARAM_KEY}: {@value}. */
    public static final String DEFAULT_KEY = RateLimitSettings.DEFAULT_KEY;
    /** IPs and CIDRs of proxies whose {@code X-Forwarded-For} is believed. Default: none (the header is ignored). */
    public static final String PARAM_TRUSTED_PROXIES = FilterSettings.PARAM_TRUSTED_PROXIES;
    /** Header the trusted proxies write the client address into: {@code X-Forwarded-For} (default), {@code Forwarded} (RFC 7239) or another list header. */
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
    /** Servlet URL patterns never limited: {@code /health, /static/*, *.css}. Default: none. */
    public static final String PARAM_EXCLUDE = FilterSettings.PARAM_EXCLUDE;
    /** Methods limited, comma-separated. Default: all. */
    public static final String PARAM_METHODS = FilterSettings.PARAM_METHODS;
    /** {@code false} = dry run: count, log and send headers, never reject. */
    public static final String PARAM_ENFORCE = RateLimitSettings.PARAM_ENFORCE;
    /** Default of {@value #PARAM_ENFORCE}: {@value}. */
    public static final String DEFAULT_ENFORCE = RateLimitSettings.DEFAULT_ENFORCE;
    /** Status of a rejection, 400 to 599. */
    public static final String PARAM_STATUS_CODE = RateLimitSettings.PARAM_STATUS_CODE;
    /** Default of {@value #PARAM_STATUS_CODE}: {@value}. */
    public static final String DEFAULT_STATUS_CODE = RateLimitSettings.DEFAULT_STATUS_CODE;
    /** {@code problem} (an {@code application/problem+json} body) or {@code error-page} ({@code sendError}, so the app's error page renders it). */
    public static final String PARAM_REJECT_WITH = RateLimitSettings.PARAM_REJECT_WITH;
    /** Default of {@value #PARAM_REJECT_WITH}: {@value}. */
    public static final String DEFAULT_REJECT_WITH = RateLimitSettings.DEFAULT_REJECT_WITH;
    /** {@code draft} ({@code RateLimit-Policy} + {@code RateLimit}), {@code legacy} ({@code X-RateLimit-*}), {@code both} or {@code none}. */
    public static final String PARAM_HEADERS = RateLimitSettings.PARAM_HEADERS;
    /** Default of {@value #PARAM_HEADERS}: {@value}. */
    public static final String DEFAULT_HEADERS = RateLimitSettings.DEFAULT_HEADERS;
    /** A JSON file of named rules ({@code /WEB-INF/x.json}, {@code classpath:}, {@code file:}), each with its own match, limits and key. */
    public static final String PARAM_RULES = RateLimitSettings.PARAM_RULES;
    /** The policy name used in headers, logs and Redis keys. Default: the filter-name. */
    public static final String PARAM_NAME = RateLimitSettings.PARAM_NAME;
    /** How limits are kept in Redis: {@code sliding-log}, {@code token-bucket} or {@code rratelimiter} (Redisson's {@code RRateLimiter}); a rule may name its own. */
    public static final String PARAM_ALGORITHM = RateLimitSettings.PARAM_ALGORITHM;
    /** Default of {@value #PARAM_ALGORITHM}: {@value}. */
    public static final String DEFAULT_ALGORITHM = RateLimitSettings.DEFAULT_ALGORITHM;
    /** {@code token-bucket} only: how many requests may come at once, one whole number per limit in the order of {@link #PARAM_LIMITS}. Default: each limit's count. */
    public static final String PARAM_BURST = RateLimitSettings.PARAM_BURST;

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);

    /** Created by the servlet container from {@code web.xml}'s {@code <filter-class>}; configured in {@link #init}. */
    public RateLimitFilter() {
    }

    private FilterLifecycle<RateLimitSettings> runtime;
    private RateLimitSettings settings;
    private RejectionMemory rejectionMemory;
    private RateLimiter localLimiter;
    private ClientIpResolver clientIps;
    private BackendAccess redis;
    private RateLimitResponses responses;
    private RateLimitMetrics metrics;
    private String logPrefix;
    private FirstPass firstPass;
    /** The Redis key of each policy whose key is the same for every request ({@code global}): hashed once. */
    private Map<Policy, String> constantKeys;

    @Override
    public void init(FilterConfig config) throws ServletException {
        runtime = FilterLifecycle.start(config, "RateLimitFilter", LOG, RateLimitSettings.NAMES,
                p -> RateLimitSettings.parse(p, config.getServletContext()));
        settings = runtime.settings();
        logPrefix = runtime.logPrefix();
        redis = runtime.redis();
        Engines engines = new Engines(runtime.client(), settings.algorithms(), redis);
        rejectionMemory = new RejectionMemory(engines);
        localLimiter = settings.shared().onBackendFailure() == BackendFailurePolicy.LOCAL ? new LocalRateLimiter() : null;
        clientIps = settings.clientIpResolver();
        responses = new RateLimitResponses(settings, logPrefix);
        metrics = new RateLimitMetrics(redis, settings.toString());
        firstPass = new FirstPass("RateLimitFilter", config.getFilterName());
        constantKeys = new IdentityHashMap<>();
        for (Policy policy : settings.policies()) {
            if (policy.key().isConstant()) {
                constantKeys.put(policy, RedisKeys.rateLimit(settings.shared().keyPrefix(), policy.algorithm(),
                        policy.name(), policy.key().constantIdentity()));
            }
        }
        runtime.ready(config, metrics, engines::prepare);
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
        // one decision per request: a forward, include, async or error dispatch of it never spends again
        if (!firstPass.claim(request) || settings.skips(request)) {
            chain.doFilter(request, response);
            return;
        }
        List<Policy> policies = covering(request);
        if (policies.isEmpty()) {
            chain.doFilter(request, response);
            return;
        }
        ClientIp clientIp = new ClientIp(request);
        String[] keys = keys(request, policies, clientIp);
        // a client whose rejection is remembered costs Redis nothing, up or down
        RateDecision[] decisions = recall(keys, policies);
        boolean unconfirmed = false;
        if (decisions == null) {
            BackendAccess.Answer<RateDecision[]> answer = askRedis(keys, policies);
            switch (answer.route()) {
                case REDIS:
                    decisions = answer.value();
                    break;
                case LOCAL:
                    decisions = decideLocally(keys, policies);
                    break;
                case UNCONFIRMED: // Redis is up but did not answer within maxWait: never admitted without it
                    decisions = responses.unconfirmed(policies);
                    unconfirmed = true;
                    break;
                case DENY:
                    responses.backendUnavailable(response, policies.get(0));
                    return;
                default:
                    chain.doFilter(request, response);
                    return;
            }
        }
        int rejectedBy = -1;
        for (int i = 0; i < decisions.length; i++) {
            if (!decisions[i].admitted() && rejectedBy < 0) {
                rejectedBy = i;
            }
        }
        if (rejectedBy >= 0) {
            releaseAdmitted(decisions);
        }
        responses.headers(response, policies, decisions);
        if (rejectedBy >= 0) {
            metrics.rejected(policies.get(rejectedBy).name(), settings.enforce());
            if (settings.enforce()) {
                responses.reject(response, policies.get(rejectedBy), decisions, unconfirmed);
                return;
            }
            responses.dryRun(policies.get(rejectedBy), decisions, clientIp.get());
        } else {
            metrics.admitted();
        }
        chain.doFilter(request, response);
    }

    private List<Policy> covering(HttpServletRequest request) {
        List<Policy> all = settings.policies();
        if (all.size() == 1) {
            return all.get(0).covers(request) ? all : List.of();
        }
        List<Policy> out = new ArrayList<>(all.size());
        for (Policy p : all) {
            if (p.covers(request)) {
                out.add(p);
            }
        }
        return out;
    }

    /** Each policy's Redis key for this request's client. */
    private String[] keys(HttpServletRequest request, List<Policy> policies, ClientIp clientIp) {
        String[] keys = new String[policies.size()];
        for (int i = 0; i < keys.length; i++) {
            Policy policy = policies.get(i);
            String constant = constantKeys.get(policy);
            keys[i] = constant != null ? constant : RedisKeys.rateLimit(settings.shared().keyPrefix(),
                    policy.algorithm(), policy.name(), policy.key().resolve(request, clientIp));
        }
        return keys;
    }

    /** The request's client IP, resolved when first asked for: a key by header or a global key needs none. */
    private final class ClientIp implements Supplier<String> {
        private final HttpServletRequest request;
        private String ip;

        ClientIp(HttpServletRequest request) {
            this.request = request;
        }

        @Override
        public String get() {
            if (ip == null) {
                ip = clientIps.resolve(request);
            }
            return ip;
        }
    }

    /** The rejections remembered for these keys, when every policy has one; else null. Never asks Redis. */
    private RateDecision[] recall(String[] keys, List<Policy> policies) {
        RateDecision[] decisions = new RateDecision[keys.length];
        for (int i = 0; i < keys.length; i++) {
            decisions[i] = rejectionMemory.recall(keys[i], policies.get(i).limits());
            if (decisions[i] == null) {
                return null;
            }
        }
        return decisions;
    }

    /**
     * Asks Redis for every policy at once: Redis's decisions, or the route this request takes without them
     * (Redis down, this call later than maxWait, its key failing, or the wait interrupted).
     */
    private BackendAccess.Answer<RateDecision[]> askRedis(String[] keys, List<Policy> policies) {
        if (keys.length == 1) {
            // the engine's (or the combiner's) own future is waited on: no stage more per request on the
            // thread that completes it (for a hot key, one thread completes a whole batch)
            List<Limit> limits = policies.get(0).limits();
            return redis.decide(() -> rejectionMemory.tryAcquire(keys[0], limits), rejectionMemory::release)
                    .map(d -> new RateDecision[] {d});
        }
        return redis.decide(() -> acquireAll(keys, policies), decisions -> {
            for (RateDecision d : decisions) {
                rejectionMemory.release(d); // granted too late: the request was decided without it
            }
        });
    }

    /**
     * Several policies: one call per policy, issued together; permits taken by some when another failed are
     * given back. Each goes alone, so its all-or-nothing never spans a batch (a request of one policy may
     * share its call with other requests for the key: HotKeyCombiner, see askRedis).
     */
    private CompletableFuture<RateDecision[]> acquireAll(String[] keys, List<Policy> policies) {
        List<CompletableFuture<RateDecision>> futures = new ArrayList<>(keys.length);
        for (int i = 0; i < keys.length; i++) {
            futures.add(rejectionMemory.tryAcquireAlone(keys[i], policies.get(i).limits()).toCompletableFuture());
        }
        return CompletableFuture.allOf(futures.toArray(new CompletableFuture[0])).handle((v, e) -> {
            if (e != null) {
                futures.forEach(f -> f.thenAccept(rejectionMemory::release));
                throw e instanceof CompletionException ? (CompletionException) e : new CompletionException(e);
            }
            RateDecision[] decisions = new RateDecision[futures.size()];
            for (int i = 0; i < decisions.length; i++) {
                decisions[i] = futures.get(i).join();
            }
            return decisions;
        });
    }

    /** The in-process limiter's decisions (onBackendFailure=local): answered at once. */
    private RateDecision[] decideLocally(String[] keys, List<Policy> policies) {
        RateDecision[] decisions = new RateDecision[keys.length];
        for (int i = 0; i < keys.length; i++) {
            decisions[i] = localLimiter.tryAcquire(keys[i], policies.get(i).limits()).toCompletableFuture().join();
        }
        return decisions;
    }

    /** Another policy rejected the request: permits the others took are given back (and reported so). */
    private void releaseAdmitted(RateDecision[] decisions) {
        for (int i = 0; i < decisions.length; i++) {
            RateDecision d = decisions[i];
            // the in-process limiter keeps what it admitted (nothing to give back): its remaining stays as is
            if (d.admitted() && d.permitId() != null) {
                rejectionMemory.release(d).whenComplete((ok, e) -> {
                    if (e != null) {
                        LOG.debug("{} could not give back a permit: {}", logPrefix, e.toString());
                    }
                });
                decisions[i] = d.givenBack();
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
