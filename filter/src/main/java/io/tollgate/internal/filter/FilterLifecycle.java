package io.tollgate.internal.filter;

import io.tollgate.internal.config.FilterParams;
import io.tollgate.internal.config.InvalidSettingException;
import io.tollgate.internal.config.SharedSettings;
import io.tollgate.internal.config.UriPasswords;
import io.tollgate.internal.redis.BackendAccess;
import io.tollgate.internal.redis.RedissonClients;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import org.redisson.api.RedissonClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.helpers.NOPLoggerFactory;

import javax.management.ObjectName;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What every Tollgate filter sets up in {@code init()} and takes down in {@code destroy()}: its settings,
 * its lease on the webapp's Redis client, its view of Redis's health, its MBean and its log lines.
 */
public final class FilterLifecycle<S extends FilterLifecycle.Settings> {

    /** A filter's settings: they carry the settings every Tollgate filter shares. */
    public interface Settings {
        /** The Redis and fallback settings ({@code tollgate.*} context-params or init-params). */
        SharedSettings shared();
    }


    private final String kind;
    private final String logPrefix;
    private final Logger log;
    private final S settings;
    private final SharedSettings shared;
    private final RedissonClients.Lease lease;
    private final BackendAccess redis;
    private ObjectName mbean;

    private FilterLifecycle(String kind, String logPrefix, Logger log, S settings, RedissonClients.Lease lease) {
        this.kind = kind;
        this.logPrefix = logPrefix;
        this.log = log;
        this.settings = settings;
        this.shared = settings.shared();
        this.lease = lease;
        this.redis = new BackendAccess(logPrefix, shared.onBackendFailure(), shared.backendTimeout(), shared.maxWait());
    }

    /**
     * Reads and checks the filter's settings and takes its Redis client (which does not connect yet).
     *
     * @param kind   the filter's simple class name
     * @param names  the names only this filter takes
     * @param parse  the filter's settings parser
     * @throws ServletException naming the first bad setting
     */
    public static <S extends Settings> FilterLifecycle<S> start(FilterConfig config, String kind, Logger log,
            List<String> names, Function<FilterParams, S> parse) throws ServletException {
        String logPrefix = "Tollgate " + kind + " [" + config.getFilterName() + "]";
        FilterParams params;
        S settings;
        try {
            params = FilterParams.read(config, kind, names, SharedSettings.NAMES);
            settings = parse.apply(params);
        } catch (InvalidSettingException e) {
            throw failed(config, log, logPrefix, new ServletException(e.getMessage()));
        }
        SharedSettings shared = settings.shared();
        RedissonClients.Lease lease;
        try {
            lease = RedissonClients.acquire(config.getServletContext(), shared);
        } catch (InvalidSettingException e) {
            throw failed(config, log, logPrefix, new ServletException(e.getMessage() + " (filter ["
                    + config.getFilterName() + "])"));
        } catch (IllegalArgumentException e) {
            // a YAML parser's message may quote the file, passwords included: masked, and its cause not chained
            throw failed(config, log, logPrefix, new ServletException(params.invalid(SharedSettings.PARAM_REDISSON_CONFIG,
                    UriPasswords.mask(e.getMessage())).getMessage()));
        }
        return new FilterLifecycle<>(kind, logPrefix, log, settings, lease);
    }

    /**
     * Logs why the filter did not start, once, at ERROR: containers report a failed filter where operators
     * may not look (Tomcat: only in localhost.DATE.log, while catalina.out says "One or more Filters failed").
     * Through SLF4J, or straight to java.util.logging (the container's log: catalina.out, Jetty's console)
     * when the webapp has no SLF4J provider, which would drop it; and through {@code ServletContext.log}, the
     * webapp's own log in the container (Tomcat: localhost.DATE.log).
     */
    private static ServletException failed(FilterConfig config, Logger log, String logPrefix, ServletException e) {
        String line = logPrefix + " did not start: " + e.getMessage();
        if (LoggerFactory.getILoggerFactory() instanceof NOPLoggerFactory) {
            java.util.logging.Logger.getLogger(log.getName()).severe(line);
        } else {
            log.error(line);
        }
        config.getServletContext().log(line);
        return e;
    }

    /**
     * The filter is built: registers its MBean, logs its settings, and connects to Redis now rather than on
     * the first request (waiting at most backendTimeout; one WARN when Redis does not answer yet). A refused
     * connection marks Redis down (requests take the fallback at once, one trial a second); a connection
     * that is merely slow does not: requests wait on it, each within backendTimeout, and are protected as
     * soon as it is up.
     */
    public void ready(FilterConfig config, Object mxbean, Supplier<CompletionStage<?>> firstCall) {
        mbean = Jmx.register(mxbean, kind, config.getServletContext(), config.getFilterName());
        log.info("{} started: {}; Redis client: {}", logPrefix, settings, lease.source());
        String notYet = redis.connect(firstCall);
        if (notYet != null) {
            log.warn("{} Redis does not answer yet; requests are {} while it does not: {}", logPrefix,
                    redis.fallbackText(), notYet);
        }
    }

    public S settings() {
        return settings;
    }

    public RedissonClient client() {
        return lease.client();
    }

    /** How every request of this filter reaches Redis, and what it gets when Redis does not answer. */
    public BackendAccess redis() {
        return redis;
    }

    public String logPrefix() {
        return logPrefix;
    }

    /** Unregisters the MBean and gives the Redis client back (shut down with the webapp's last filter). */
    public void stop() {
        Jmx.unregister(mbean);
        mbean = null;
        redis.stop();
        lease.close();
        log.info("{} stopped", logPrefix);
    }
}
