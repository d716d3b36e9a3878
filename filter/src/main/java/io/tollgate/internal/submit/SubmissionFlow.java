package io.tollgate.internal.submit;

import io.tollgate.BackendFailurePolicy;
import io.tollgate.internal.filter.FilterLifecycle;
import io.tollgate.internal.http.BufferBudget;
import io.tollgate.internal.http.BufferedRequest;
import io.tollgate.internal.http.CapturingResponse;
import io.tollgate.internal.http.ClientIpResolver;
import io.tollgate.internal.http.FirstPass;
import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.redis.BoundedCall;
import io.tollgate.internal.redis.FailoverWatch;
import io.tollgate.internal.redis.RedisKeys;
import io.tollgate.internal.redis.RedissonVersions;
import io.tollgate.internal.submit.SubmissionGuard.Claim;
import io.tollgate.internal.submit.SubmissionGuard.SubmissionState;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The double-submit protocol, for one DoubleSubmitFilter: which requests are guarded, the claim (this
 * instance's own guard first under {@code onBackendFailure=local}, then the shared one within
 * {@code backendTimeout}), the wait for a running first request in replay mode, the answer to a repeat,
 * and the first request's completion (its record, counted against its client's storage bound) or
 * abandonment; a store or release that fails afterwards is logged, never the client's problem.
 *
 * <p>The filter does the HTTP work around it: buffering the body, capturing the response, the async
 * listener. A request goes {@link #intake} → the filter buffers the body → {@link #claim} → the filter runs
 * the chain when told {@link Submission.Next#RUN} → {@link #finish}.
 */
public final class SubmissionFlow {

    /** The filter's own logger name: operators who tuned its log level keep these lines under it. */
    private static final Logger LOG = LoggerFactory.getLogger("io.tollgate.DoubleSubmitFilter");

    /** Lock owner ids: negative, so they never meet a real thread id of code sharing the client. */
    private static final AtomicLong OWNERS = new AtomicLong();

    /** Counts a stored response's bytes against its client's bound ({@code maxStoredBytesPerClient}). */
    public interface StorageBudget {
        /** True when {@code bytes} more fit within the client's bound (and are now counted, for {@code keep}). */
        CompletionStage<Boolean> take(String client, long bytes, Duration keep);
    }

    private final DoubleSubmitSettings settings;
    private final SubmissionGuard shared;
    /** The shared guard when it is Redis's (null when a test stands another guard in for it). */
    private final RedisSubmissionGuard redisGuard;
    private final StorageBudget storage;
    private final BackendAccess redis;
    private final String logPrefix;
    /** onBackendFailure=local: this instance's own guard, taken before the shared one; else null. */
    private final LocalSubmissionGuard localGuard;
    private final ClientIpResolver clientIps;
    private final DoubleSubmitResponses responses;
    /** The bytes of bodies read ahead at once: maxBufferedBytes. */
    private final BufferBudget buffers;
    /** Marks a request decided by this filter (set by {@link #start}; a flow never started decides every pass). */
    private FirstPass firstPass;
    private final LongAdder[] counts = new LongAdder[Verdict.values().length];
    private final RepeatedWarning storeWarning;
    private final AtomicBoolean staleWarned = new AtomicBoolean();
    private volatile java.util.function.BooleanSupplier afterFailover = () -> false;
    /** Notices failovers of a replicated Redis (null on a single server, or before {@link #watchFailovers}). */
    private volatile FailoverWatch failovers;
    private final LongAdder staleCompletions = new LongAdder();
    private final LongAdder failedStores = new LongAdder();
    private final AtomicLong leaseOverruns = new AtomicLong();
    private final RepeatedWarning leaseWarning;
    /** How often the lease-overrun WARN may repeat, for as long as requests outlive their locks. */
    static final long LEASE_WARNING_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    /** How often the failed-store WARN may repeat. */
    static final long STORE_WARNING_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

    /**
     * @param shared    the guard every instance shares (Redis)
     * @param storage   the per-client bound of stored responses
     * @param redis     the bounded path to the shared guard, and the route a claim takes without it (its
     *                  log prefix is the flow's)
     */
    public SubmissionFlow(DoubleSubmitSettings settings, SubmissionGuard shared, StorageBudget storage,
            BackendAccess redis) {
        this(settings, shared, storage, redis, System::nanoTime);
    }

    /** As above, with the clock of the repeated WARNs (tests move it instead of sleeping). */
    SubmissionFlow(DoubleSubmitSettings settings, SubmissionGuard shared, StorageBudget storage,
            BackendAccess redis, java.util.function.LongSupplier nanoTime) {
        this.leaseWarning = new RepeatedWarning(LEASE_WARNING_INTERVAL_NANOS, nanoTime);
        this.storeWarning = new RepeatedWarning(STORE_WARNING_INTERVAL_NANOS, nanoTime);
        this.settings = settings;
        this.shared = shared;
        this.redisGuard = shared instanceof RedisSubmissionGuard ? (RedisSubmissionGuard) shared : null;
        this.storage = storage;
        this.redis = redis;
        this.logPrefix = redis.logPrefix();
        this.localGuard = settings.shared().onBackendFailure() == BackendFailurePolicy.LOCAL
                ? new LocalSubmissionGuard() : null;
        this.clientIps = settings.clientIpResolver();
        this.responses = new DoubleSubmitResponses(settings);
        this.buffers = new BufferBudget(settings.maxBufferedBytes());
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
        }
    }

    /**
     * Makes the filter ready ({@link FilterLifecycle#ready}: JMX, the first call that connects) once
     * {@code replicaAcks} is found keepable, before and after connecting.
     *
     * @throws ServletException naming {@code replicaAcks} when it cannot be kept (logged at ERROR)
     */
    public void start(FilterLifecycle<DoubleSubmitSettings> runtime, FilterConfig config, Object mxbean)
            throws ServletException {
        firstPass = new FirstPass("DoubleSubmitFilter", config.getFilterName());
        String unfit = replicasUnfit(RedissonVersions.singleServer(runtime.client().getConfig()), false);
        if (unfit == null) {
            runtime.ready(config, mxbean, this::connect);
            unfit = replicasUnfit(false, true);
        }
        if (unfit != null) {
            String message = "init-param [" + DoubleSubmitSettings.PARAM_REPLICA_ACKS + "] was ["
                    + settings.replicaAcks() + "]: " + unfit + " (filter [" + config.getFilterName() + "])";
            LOG.error("Tollgate DoubleSubmitFilter did not start: {}", message);
            throw new ServletException(message);
        }
    }

    /**
     * Whether {@code replicaAcks} can be kept, checked at start-up: it needs replicas, so a single server
     * configured ({@code singleServer}), or a Redis that answers with fewer replicas acknowledging a write
     * than it asks for (asked once {@code connected}), would fail every claim. A Redis that does
     * not answer yet passes (the webapp deploys, and each request learns it): a WARN says so.
     *
     * @return the rule broken, for the start-up error, or null
     */
    String replicasUnfit(boolean singleServer, boolean connected) {
        if (settings.replicaAcks() == 0) {
            return null;
        }
        if (singleServer) {
            return "needs replicas, and the Redis configured is a single server: name a sentinel, cluster,"
                    + " replicated or master/slave setup in redissonConfig, or set replicaAcks to 0";
        }
        if (!connected || redisGuard == null) {
            return null;
        }
        Integer acks = redis.await(() -> redisGuard.replicasAcknowledging(settings.shared().keyPrefix()),
                settings.shared().backendTimeout(), null);
        if (acks == null) {
            LOG.warn("{} could not check that {} replica(s) acknowledge writes (replicaAcks): Redis did not answer"
                    + " within backendTimeout", logPrefix, settings.replicaAcks());
            return null;
        }
        return acks >= settings.replicaAcks() ? null : "only " + acks + " replica(s) acknowledged"
                + " a write within " + settings.shared().backendTimeout().dividedBy(2).toMillis()
                + " ms, so every claim would fail";
    }

    /** The flow on Redis: the shared guard and the per-client storage bound on {@code client}. */
    public static SubmissionFlow onRedis(DoubleSubmitSettings settings, RedissonClient client, BackendAccess redis) {
        // WAIT gets half of backendTimeout, so that its answer (and the release of an unacknowledged claim)
        // arrives within it
        RedisSubmissionGuard guard = new RedisSubmissionGuard(client, settings.replicaAcks(),
                settings.shared().backendTimeout().dividedBy(2));
        ClientStorage storage = new ClientStorage(client, settings.shared().keyPrefix(),
                settings.maxStoredBytesPerClient());
        SubmissionFlow flow = new SubmissionFlow(settings, guard, storage, redis);
        flow.watchFailovers(client);
        return flow;
    }

    /**
     * Reads {@code client}'s masters' replication ids once a second (not on a single server): a failover is
     * one WARN and one more {@link #failovers}, and for {@code failoverGrace} after it claims are denied (503).
     * {@link #close} stops it.
     */
    private void watchFailovers(RedissonClient client) {
        FailoverWatch watch = FailoverWatch.start(client, Duration.ofSeconds(1), LOG, logPrefix);
        failovers = watch;
        if (watch != null) {
            afterFailover = () -> watch.within(settings.failoverGrace());
        }
    }

    /** Failovers noticed so far (the MXBean's counter). */
    public long failovers() {
        FailoverWatch watch = failovers;
        return watch == null ? 0 : watch.failovers();
    }

    /** Stops watching for failovers (the filter's destroy). */
    public void close() {
        FailoverWatch watch = failovers;
        failovers = null;
        if (watch != null) {
            watch.close();
        }
    }

    /** A first, harmless call that makes the client connect (at start-up). */
    public CompletionStage<?> connect() {
        return redisGuard.connect(settings.shared().keyPrefix());
    }

    /** How many guarded requests got this answer so far (the MXBean's counters). */
    public long count(Verdict answer) {
        return counts[answer.ordinal()].sum();
    }

    /** Records of requests that ran but could not be stored (their lock released: a repeat runs again). */
    public long failedStores() {
        return failedStores.sum();
    }

    /** Completions refused because a later claim of the same submission had already completed (fencing). */
    public long staleCompletions() {
        return staleCompletions.sum();
    }

    /** Requests that outlived their lock (the completion found it gone), so far. */
    long leaseOverruns() {
        return leaseOverruns.get();
    }

    private void counted(Verdict answer) {
        counts[answer.ordinal()].increment();
    }

    /** What the request's headers say, before its body is read. */
    public static final class Intake {
        private final Submission.Next next;
        private final String key;
        private final boolean form;
        private final long length;
        private final boolean readable;
        private final long bodyBytes;
        private final BufferBudget buffers;
        /** The bytes counted against maxBufferedBytes for this body, or -1: none (not read ahead). */
        private long held = -1;

        private Intake(Submission.Next next, String key, HttpServletRequest request, long maxBodyBytes,
                BufferBudget buffers) {
            this.next = next;
            this.key = key;
            this.buffers = buffers;
            String contentType = request.getContentType() == null ? ""
                    : request.getContentType().toLowerCase(Locale.ROOT);
            this.length = request.getContentLengthLong();
            this.form = contentType.startsWith("application/x-www-form-urlencoded");
            // not read: too large to hold, parts the container must parse itself, or a form of unknown length
            // (its fields must all be held to answer getParameter, and it could be any size)
            this.readable = length <= maxBodyBytes && !contentType.startsWith("multipart/") && !(form && length < 0);
            this.bodyBytes = length < 0 ? maxBodyBytes : length;
        }

        /** RUN: guard it (read its body first, when {@link #readsBody()}); PASS: not guarded; ANSWERED: done. */
        public Submission.Next next() {
            return next;
        }

        /** Whether the client named it with a key header. */
        public boolean keyed() {
            return key != null;
        }

        /** Whether the body may be read ahead to fingerprint it. */
        public boolean readsBody() {
            return readable;
        }

        /** The bytes reading the body holds at most (its length, else maxBodyBytes). */
        public long bodyBytes() {
            return bodyBytes;
        }

        /** Whether the body is read ahead: it may be, and its bytes are counted within maxBufferedBytes. */
        public boolean holdsBody() {
            return held >= 0;
        }

        /** Gives back the body's bytes to maxBufferedBytes: now, or when the request completes if it went async. */
        public void release(HttpServletRequest request) {
            buffers.release(request, held);
        }

        /** Whether the body is a form ({@code getParameter} must be answered from what was read). */
        public boolean form() {
            return form;
        }

        /**
         * The request the servlet gets: the buffered one, unless nothing was read, or an earlier filter
         * already had the container parse this form (its fields are all there is, and they stay the container's).
         */
        public HttpServletRequest toServlet(HttpServletRequest request, BufferedRequest body) {
            return body == null || parsedEarlier(body) ? request : body;
        }

        private boolean parsedEarlier(BufferedRequest body) {
            return form && body.body().length == 0 && length > 0;
        }

        /** The digest of the body (or of the form fields the container parsed), or null when unknown. */
        byte[] bodyDigest(HttpServletRequest request, BufferedRequest body) {
            if (body == null) {
                return null;
            }
            if (parsedEarlier(body)) {
                return Fingerprints.form(request.getParameterMap());
            }
            return body.complete() ? Fingerprints.body(body.body()) : null;
        }
    }

    /**
     * The first step, from the headers alone: not guarded (a later pass of a request already decided, a method
     * or path it skips, or no key header with {@code fingerprint=none}), answered here (a bad key header: 400;
     * a keyed body with no room in maxBufferedBytes: 503), or guarded, its body's bytes counted when it is
     * read ahead ({@link Intake#release} gives them back).
     */
    public Intake intake(HttpServletRequest request, HttpServletResponse response) throws IOException {
        // a forward, include, async or error dispatch of a request already decided: never its own repeat
        if ((firstPass != null && !firstPass.claim(request)) || settings.skips(request)) {
            return intake(Submission.Next.PASS, null, request);
        }
        String key = request.getHeader(settings.keyHeader());
        if (key != null) {
            key = IdempotencyKey.parse(key);
            if (key == null) {
                responses.invalidKey(response);
                return intake(Submission.Next.ANSWERED, null, request);
            }
        } else if (!settings.fingerprintBody()) {
            return intake(Submission.Next.PASS, null, request);
        }
        Intake in = intake(Submission.Next.RUN, key, request);
        // bodies held at once stay within maxBufferedBytes: stalled uploads must not fill the heap
        in.held = in.readable ? buffers.reserve(in.bodyBytes) : -1;
        if (in.held < 0 && in.readable && in.keyed() && in.bodyBytes <= settings.maxBufferedBytes()) {
            // read whenever there is room: unread now, it could not be compared with the first under its key
            responses.bodyNotHeld(response);
            return intake(Submission.Next.ANSWERED, null, request);
        }
        return in;
    }

    private Intake intake(Submission.Next next, String key, HttpServletRequest request) {
        return new Intake(next, key, request, settings.maxBodyBytes(), buffers);
    }

    /**
     * Claims the submission (locally first under {@code onBackendFailure=local}, then on the shared guard)
     * and answers a repeat. {@code body} is what was read ahead (null: nothing).
     */
    public Submission claim(Intake in, HttpServletRequest request, BufferedRequest body, HttpServletResponse response)
            throws IOException {
        byte[] bodyDigest = in.bodyDigest(request, body);
        if (in.key == null && bodyDigest == null) {
            counted(Verdict.UNGUARDED);
            return Submission.without(Submission.Next.PASS); // nothing to recognise a repeat by
        }
        Submission s = named(request, in.key, bodyDigest);
        if (localGuard != null) {
            // duplicates on this instance are stopped here, whatever Redis answers or fails to
            Claim local = localGuard.claim(s.id(), s.owner(), settings.lockLease()).toCompletableFuture().join();
            if (local.state() == SubmissionState.IN_FLIGHT && settings.mode() == DoubleSubmitSettings.Mode.REPLAY) {
                local = awaitLocally(s);
            }
            if (local.state() != SubmissionState.RUN) {
                answer(response, local, s);
                return s.then(Submission.Next.ANSWERED, false);
            }
        }
        if (afterFailover.getAsBoolean()) {
            // failoverGrace: what the new master says about this submission may be what it never received
            if (localGuard != null) {
                localGuard.abandon(s.id(), s.owner());
            }
            responses.backendUnavailable(response);
            return s.then(Submission.Next.ANSWERED, false);
        }
        // exact while Redis answers: under local a late claim is waited for up to maxWait (the local guard, held
        // meanwhile, answers this instance's repeats), since running it locally could run it on every instance;
        // one that stays unanswered runs under the local guard
        BackendAccess.Answer<Claim> claimed = redis.decideOrLocal(
                () -> shared.claim(s.id(), s.owner(), settings.lockLease()), giveBack(s));
        Claim claim = claimed.value();
        if (claim != null && claim.state() == SubmissionState.IN_FLIGHT
                && settings.mode() == DoubleSubmitSettings.Mode.REPLAY) {
            Claim waited = redis.await(() -> shared.await(s.id(), s.owner(), settings.lockLease(), settings.waitTimeout()),
                    settings.waitTimeout().plus(settings.shared().backendTimeout()), giveBack(s));
            // Redis said another request runs it: a wait that failed or was interrupted still ends in a 409
            claim = waited != null ? waited : claim;
        }
        if (claim == null) {
            switch (claimed.route()) {
                case DENY:
                    responses.backendUnavailable(response);
                    return s.then(Submission.Next.ANSWERED, false);
                case LOCAL:
                    counted(Verdict.FIRST);
                    return s.then(Submission.Next.RUN, false); // under the local claim
                default:
                    return s.then(Submission.Next.PASS, false);
            }
        }
        if (claim.state() == SubmissionState.RUN) {
            counted(Verdict.FIRST);
            return s.then(Submission.Next.RUN, true, claim.token());
        }
        if (localGuard != null) {
            localGuard.abandon(s.id(), s.owner()); // Redis knows better: another instance has or had it
        }
        answer(response, claim, s);
        return s.then(Submission.Next.ANSWERED, false);
    }

    /** Names the submission: its key, its client scope and a fresh owner id. */
    private Submission named(HttpServletRequest request, String key, byte[] bodyDigest) {
        Submission.Builder b = new Submission.Builder();
        b.fingerprint = Fingerprints.request(request, bodyDigest);
        // a record is only ever found again by the same client at the same Host
        String scope = settings.client().resolve(request, clientIps) + "|host:" + Fingerprints.host(request);
        // stored bytes are charged to whom the container vouches for, else the address: never per Host or token
        b.client = settings.client().storageScope(request, clientIps);
        b.keyed = key != null;
        b.id = b.keyed ? RedisKeys.keyedSubmission(settings.shared().keyPrefix(), scope, key)
                : RedisKeys.fingerprintedSubmission(settings.shared().keyPrefix(), scope,
                        Fingerprints.hex(b.fingerprint));
        b.keep = b.keyed ? settings.keyWindow() : settings.window();
        b.owner = -OWNERS.incrementAndGet();
        return b.build();
    }

    /** A repeat: 409 while the first is in flight, else what the first left (422, a replay, or 409). */
    private void answer(HttpServletResponse response, Claim claim, Submission s) throws IOException {
        if (claim.state() == SubmissionState.IN_FLIGHT) {
            counted(Verdict.DUPLICATE);
            responses.inFlight(response);
        } else {
            counted(responses.repeat(response, claim.record(), s.keyed(), s.fingerprint()));
        }
    }

    /** Replay mode: waits for the same submission running on this instance; an interrupt ends the wait. */
    private Claim awaitLocally(Submission s) {
        try {
            return localGuard.await(s.id(), s.owner(), settings.lockLease(), settings.waitTimeout())
                    .toCompletableFuture().join();
        } catch (CompletionException e) {
            return new Claim(SubmissionState.IN_FLIGHT, null); // interrupted (the flag is set again)
        }
    }

    /** A lock granted after the request stopped waiting is given straight back. */
    private java.util.function.Consumer<Claim> giveBack(Submission s) {
        return late -> {
            if (late.state() == SubmissionState.RUN) {
                shared.abandon(s.id(), s.owner());
            }
        };
    }

    /**
     * The first request is done: a success worth keeping leaves a record for the window; a failure, or an
     * answer that says the request did nothing (404, 401, ...), only releases the claim so that a repeat may
     * run. Neither holds up the response, and nothing that fails here reaches the client: the lock is
     * released and a WARN says why.
     *
     * @param returned whether the chain returned normally (and, async, completed without error or timeout)
     * @param out      the response the servlet wrote to
     * @param capture  what was captured of it for replay (null: nothing, reject mode or not seen)
     */
    public void finish(Submission s, boolean returned, HttpServletResponse out, CapturingResponse capture) {
        boolean failed = !returned || !DoubleSubmitResponses.worthKeeping(out.getStatus());
        byte[] marker = SubmissionRecord.marker(s.fingerprint()).encode();
        byte[] record = null;
        if (!failed) {
            try {
                record = DoubleSubmitResponses.record(s.fingerprint(), out, capture).encode();
            } catch (RuntimeException e) {
                LOG.warn("{} could not keep a response for replay (its repeats get 409 instead): {}", logPrefix,
                        e.toString());
                record = marker;
            }
        }
        if (failed || !s.sharedHeld() || record.length <= marker.length) { // a marker is too small to count
            if (localGuard != null) {
                if (failed) {
                    localGuard.abandon(s.id(), s.owner());
                } else {
                    localGuard.complete(s.id(), s.owner(), record, s.keep());
                }
            }
            if (s.sharedHeld()) {
                byte[] kept = record;
                whenStored(s, failed ? safely(() -> shared.abandon(s.id(), s.owner()))
                        : safely(() -> shared.complete(s.id(), s.owner(), s.token(), kept, s.keep())));
            }
            return;
        }
        byte[] full = record;
        whenStored(s, safely(() -> storage.take(s.client(), full.length, s.keep()))
                .exceptionally(e -> false) // not counted, not kept: the marker still stops repeats
                .thenCompose(fits -> {
                    // this instance keeps what Redis keeps: a repeat gets the same answer on every instance
                    byte[] kept = fits ? full : marker;
                    if (localGuard != null) {
                        localGuard.complete(s.id(), s.owner(), kept, s.keep());
                    }
                    return safely(() -> shared.complete(s.id(), s.owner(), s.token(), kept, s.keep()));
                }));
    }

    /**
     * The call's stage; one that throws instead of failing its stage (a Redis call can, before it is sent)
     * becomes a failed stage, so that every failure takes the same path: the lock released, a WARN.
     */
    private static <T> CompletionStage<T> safely(Supplier<CompletionStage<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException | LinkageError e) {
            return java.util.concurrent.CompletableFuture.failedFuture(e);
        }
    }

    /** A failure to store or release is the client's no more: the lock is released and a WARN says why. */
    private void whenStored(Submission s, CompletionStage<Void> done) {
        done.whenComplete((v, e) -> {
            if (e == null) {
                return;
            }
            Throwable cause = BoundedCall.cause(e);
            if (cause instanceof SubmissionGuard.StaleCompletionException) {
                // a later claim of this submission already stored its record (this one lost its lock, to its
                // lease or a failover): that record stays; the lock, if still ours, was released by the script
                staleCompletions.increment();
                if (staleWarned.compareAndSet(false, true)) {
                    LOG.warn("{} a completion was refused: a later claim of the same submission had already"
                            + " completed (this request lost its lock to its lease or to a failover, and the"
                            + " submission ran twice; the app's fencing token tells the two runs apart): {}",
                            logPrefix, cause.getMessage());
                }
                return;
            }
            if (cause instanceof IllegalMonitorStateException) {
                long overruns = leaseOverruns.incrementAndGet();
                // again at most once a minute, for as long as it happens: not once per filter lifetime
                if (leaseWarning.due()) {
                    LOG.warn("{} a request outlived its lock (lockLease {}; {} so far): raise lockLease above the"
                            + " longest request this filter guards, or a repeat may run while the first still does",
                            logPrefix, settings.lockLease(), overruns);
                }
                return;
            }
            redis.failedUnwatched(cause);
            failedStores.increment();
            // not held until lockLease: the client has its answer, a retry may run
            safely(() -> shared.abandon(s.id(), s.owner())).whenComplete((released, again) -> {
                if (again != null) {
                    LOG.debug("{} could not release a lock either (it ends with lockLease): {}", logPrefix, again.toString());
                }
            });
            if (storeWarning.due()) {
                LOG.warn("{} could not store the record of a request (lock released, so a repeat runs again): {}",
                        logPrefix, cause.toString());
            }
        });
    }
}
