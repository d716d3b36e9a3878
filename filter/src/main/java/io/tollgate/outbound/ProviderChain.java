package io.tollgate.outbound;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Predicate;

/**
 * Several providers of the same service (two search APIs, a primary and a backup payment gateway), each
 * with its own {@link OutboundLimiter}: a call goes to the first provider that has a permit and whose
 * call succeeds, falling back to the next on no permit, an exception, or an answer the chain does not
 * accept. The caller learns which provider answered; when none could, a {@link NoProviderException}
 * says why, provider by provider.
 *
 * <pre>{@code
 * ProviderChain<HttpResponse<String>> search = ProviderChain.<HttpResponse<String>>builder()
 *         .provider("alpha", alphaLimiter, () -> http.send(alphaRequest, ofString()))
 *         .provider("beta", betaLimiter, () -> http.send(betaRequest, ofString()))
 *         .accept(r -> r.statusCode() == 200)
 *         .build();
 * ProviderChain.Answer<HttpResponse<String>> answer = search.call();
 * log.info("answered by {}", answer.provider());
 * }</pre>
 *
 * <p>Immutable and thread-safe if the calls are; build one per kind of request, or per request when the
 * calls capture request data.
 *
 * @param <T> what the providers' calls return
 */
public final class ProviderChain<T> {

    /** Why a provider did not answer. */
    public enum Reason {
        /** Its limiter had no permit (within the chain's wait). */
        NO_PERMIT,
        /** Its call threw. */
        EXCEPTION,
        /** Its answer failed the chain's test. */
        REJECTED,
        /** Its limiter's Redis failed and the limiter denies then. */
        BACKEND_UNAVAILABLE
    }

    /** One provider's failure. */
    public static final class Failure {
        private final String provider;
        private final Reason reason;
        private final String detail;
        private final Throwable cause;

        Failure(String provider, Reason reason, String detail, Throwable cause) {
            this.provider = provider;
            this.reason = reason;
            this.detail = detail;
            this.cause = cause;
        }

        /** {@return the provider's name, as added to the chain} */
        public String provider() {
            return provider;
        }

        /** {@return why it did not answer} */
        public Reason reason() {
            return reason;
        }

        /** {@return a line for a log or a message} */
        public String detail() {
            return detail;
        }

        /** {@return the exception, for {@link Reason#EXCEPTION} and {@link Reason#BACKEND_UNAVAILABLE}} */
        public Throwable cause() {
            return cause;
        }

        @Override
        public String toString() {
            return provider + ": " + detail;
        }
    }

    /**
     * A successful call: the value, the provider that gave it, and why earlier providers did not.
     *
     * @param <T> what the providers' calls return
     */
    public static final class Answer<T> {
        private final String provider;
        private final T value;
        private final List<Failure> skipped;

        Answer(String provider, T value, List<Failure> skipped) {
            this.provider = provider;
            this.value = value;
            this.skipped = skipped;
        }

        /** {@return the name of the provider that answered} */
        public String provider() {
            return provider;
        }

        /** {@return what its call returned} */
        public T value() {
            return value;
        }

        /** {@return the providers tried first, and why they did not answer} */
        public List<Failure> skipped() {
            return skipped;
        }
    }

    /** No provider answered. */
    public static final class NoProviderException extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient List<Failure> failures;

        NoProviderException(List<Failure> failures) {
            super("No provider answered: " + failures);
            this.failures = failures;
            for (Failure f : failures) {
                if (f.cause() != null) {
                    addSuppressed(f.cause());
                }
            }
        }

        /** {@return each provider's reason, in the chain's order} */
        public List<Failure> failures() {
            return failures;
        }
    }

    private static final class Provider<T> {
        final String name;
        final OutboundLimiter limiter;
        final Callable<T> call;

        Provider(String name, OutboundLimiter limiter, Callable<T> call) {
            this.name = name;
            this.limiter = limiter;
            this.call = call;
        }
    }

    private final List<Provider<T>> providers;
    private final Predicate<T> accept;
    private final Duration wait;

    private ProviderChain(List<Provider<T>> providers, Predicate<T> accept, Duration wait) {
        this.providers = providers;
        this.accept = accept;
        this.wait = wait;
    }

    /**
     * Starts a chain.
     *
     * @param <T> what the providers' calls return
     * @return a builder
     */
    public static <T> Builder<T> builder() {
        return new Builder<>();
    }

    /**
     * Calls the providers in order until one answers acceptably.
     *
     * @return the first acceptable answer, with the provider that gave it
     * @throws NoProviderException naming each provider's reason
     * @throws InterruptedException when interrupted while waiting for a permit
     */
    public Answer<T> call() throws NoProviderException, InterruptedException {
        List<Failure> failures = new ArrayList<>();
        for (Provider<T> p : providers) {
            String limits = p.limiter.name() + " " + p.limiter.limits();
            try {
                boolean permit;
                if (wait.isZero()) {
                    OutboundLimiter.Permit answer = p.limiter.tryPermit();
                    if (answer == OutboundLimiter.Permit.BACKEND_UNAVAILABLE) {
                        throw new BackendUnavailableException(p.limiter.name(), null);
                    }
                    permit = answer == OutboundLimiter.Permit.GRANTED;
                } else {
                    try {
                        p.limiter.acquire(wait);
                        permit = true;
                    } catch (PermitTimeoutException e) {
                        permit = false;
                    }
                }
                if (!permit) {
                    failures.add(new Failure(p.name, Reason.NO_PERMIT, "no permit (" + limits + ")", null));
                    continue;
                }
            } catch (BackendUnavailableException e) {
                failures.add(new Failure(p.name, Reason.BACKEND_UNAVAILABLE, e.getMessage(), e));
                continue;
            }
            T value;
            try {
                value = p.call.call();
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                failures.add(new Failure(p.name, Reason.EXCEPTION, "threw " + e, e));
                continue;
            }
            if (!accept.test(value)) {
                failures.add(new Failure(p.name, Reason.REJECTED, "answer not accepted: " + value, null));
                continue;
            }
            return new Answer<>(p.name, value, Collections.unmodifiableList(failures));
        }
        throw new NoProviderException(Collections.unmodifiableList(failures));
    }

    /**
     * Builds a {@link ProviderChain}.
     *
     * @param <T> what the providers' calls return
     */
    public static final class Builder<T> {
        private final List<Provider<T>> providers = new ArrayList<>();
        private Predicate<T> accept = Objects::nonNull;
        private Duration wait = Duration.ZERO;

        /** An empty builder; the same as {@link ProviderChain#builder()}. */
        public Builder() {
        }

        /**
         * Adds a provider, tried after the ones added before.
         *
         * @param name    the provider's name, unique in the chain
         * @param limiter the limiter that holds the provider's rate limit
         * @param call    the call to the provider
         * @return this builder
         */
        public Builder<T> provider(String name, OutboundLimiter limiter, Callable<T> call) {
            for (Provider<T> p : providers) {
                if (p.name.equals(name)) {
                    throw new IllegalArgumentException("provider [" + name + "] is already in the chain");
                }
            }
            providers.add(new Provider<>(Objects.requireNonNull(name, "name"), Objects.requireNonNull(limiter, "limiter"),
                    Objects.requireNonNull(call, "call")));
            return this;
        }

        /**
         * Sets the test an answer must pass.
         *
         * @param accept the test (default: not null), such as {@code r -> r.statusCode() == 200}
         * @return this builder
         */
        public Builder<T> accept(Predicate<T> accept) {
            this.accept = Objects.requireNonNull(accept, "accept");
            return this;
        }

        /**
         * Sets how long to wait for each provider's permit before moving on.
         *
         * @param wait the wait per provider (default: not at all)
         * @return this builder
         */
        public Builder<T> waitForPermit(Duration wait) {
            if (wait.isNegative()) {
                throw new IllegalArgumentException("waitForPermit [" + wait + "] must not be negative");
            }
            this.wait = wait;
            return this;
        }

        /**
         * Builds the chain.
         *
         * @return the chain
         * @throws IllegalArgumentException when no provider was added
         */
        public ProviderChain<T> build() {
            if (providers.isEmpty()) {
                throw new IllegalArgumentException("a ProviderChain needs at least one provider");
            }
            return new ProviderChain<>(new ArrayList<>(providers), accept, wait);
        }
    }
}
