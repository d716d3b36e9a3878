package io.tollgate.internal.redis;

import org.redisson.Redisson;
import org.redisson.api.RFuture;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RRateLimiterAsync;
import org.redisson.api.RScript;
import org.redisson.api.RateIntervalUnit;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;
import org.redisson.api.ratelimiter.RateLimiterArgs;
import org.redisson.client.RedisException;
import org.redisson.client.codec.StringCodec;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Everything that differs between the Redisson versions Tollgate supports (3.x from {@value #OLDEST} on,
 * and 4.x), in one place: Tollgate is compiled against 4.x and runs unchanged on the application's or the
 * server's Redisson. Nothing else in Tollgate names a version.
 *
 * <p>What differs, checked in Redisson's sources at each tag (docs/deployment.md, "Redisson versions"):
 * <ul>
 * <li>4.0 renamed {@link RScript.ReturnType} constants ({@code INTEGER} → {@code LONG}, {@code MULTI} →
 * {@code LIST}): resolved once, by name, when this class loads; code compiled against 4.x that names
 * {@code ReturnType.LIST} fails on 3.x with {@code NoSuchFieldError: LIST};
 * <li>{@code RRateLimiter}: a {@code keepAliveTime} (idle limiters expire) since 3.38; {@code release}
 * since 3.52 (before, {@code rate-limiter-release.lua} gives permits back the same way); a rate change
 * that keeps what was spent ({@code RateLimiterArgs.keepState}) since 4.4 (before, the limiter starts
 * afresh, once, when a changed {@code limits} is first used).
 * </ul>
 * Before 3.28, an {@code RLock} waiter can miss an unlock message (Redisson #5761): a replay-mode repeat
 * waits in slices ({@link #lockWaitSlice}).
 * Before 3.34, Redisson hands out pooled connections that Redis closed (a restart) until it has reconnected
 * each, and their commands fail at once: after a Redis restart Tollgate counts Redis down a little longer.
 * The lock scripts Tollgate writes as {@code RLock} does (claim.lua, complete.lua) match RLock's hash, owner
 * field, channel and unlock message on every supported version: those did not change.
 *
 * <p>Which path a call takes is decided once, when this class loads; a request pays one branch, never a
 * reflective call.
 */
public final class RedissonVersions {

    /** The oldest Redisson Tollgate supports (and tests). */
    public static final String OLDEST = "3.23.4";

    /** The running Redisson's version, from its jar ({@code "unknown"} when the jar does not say). */
    public static final String VERSION = version();

    /** A script answer read as a list ({@code LIST} in 4.x, {@code MULTI} in 3.x). */
    public static final RScript.ReturnType LIST = returnType("LIST", "MULTI");
    /** A script answer read as a long ({@code LONG} in 4.x, {@code INTEGER} in 3.x). */
    public static final RScript.ReturnType LONG = returnType("LONG", "INTEGER");

    /** 4.4+: {@code RateLimiterArgs}, with {@code keepState}. */
    private static final boolean RATE_LIMITER_ARGS = present("org.redisson.api.ratelimiter.RateLimiterArgs");
    /** 3.38+: {@code trySetRate(type, rate, interval, keepAliveTime)}. */
    private static final boolean KEEP_ALIVE = hasMethod("trySetRateAsync", RateType.class, long.class,
            Duration.class, Duration.class);
    /** 3.28+: an {@code RLock} waiter cannot miss an unlock message (Redisson #5761, fixed in 3.28.0). */
    private static final boolean LOCK_WAITERS_WAKE = atLeast("3.28.0");
    /** How often a waiter on an older Redisson tries the lock again, message or not. */
    private static final long LOCK_WAIT_SLICE_MILLIS = 200;
    /** 3.52+: {@code RRateLimiter.release(permits)}. */
    private static final boolean RELEASE = hasMethod("releaseAsync", long.class);
    private static final String RELEASE_SCRIPT = LuaScripts.read(RedissonVersions.class, "rate-limiter-release.lua");

    private RedissonVersions() {
    }

    /**
     * Whether a client is configured for a single server (which has no replica to acknowledge a write).
     * {@code Config.isSingleConfig()} is public from 3.27 only; its protected {@code getSingleServerConfig()}
     * exists in every supported version. False when that cannot be told (the caller's live check decides).
     */
    public static boolean singleServer(org.redisson.config.Config config) {
        try {
            java.lang.reflect.Method single = org.redisson.config.Config.class.getDeclaredMethod("getSingleServerConfig");
            single.setAccessible(true);
            return single.invoke(config) != null;
        } catch (ReflectiveOperationException | RuntimeException e) {
            return false;
        }
    }

    /** Whether the running Redisson is {@code version} (like {@code 3.34.0}) or later; false when unknown. */
    public static boolean atLeast(String version) {
        if (VERSION.equals("unknown")) {
            return false;
        }
        String[] mine = VERSION.split("[.-]");
        String[] theirs = version.split("[.-]");
        for (int i = 0; i < theirs.length; i++) {
            int a = i < mine.length && mine[i].matches("\\d+") ? Integer.parseInt(mine[i]) : 0;
            int b = Integer.parseInt(theirs[i]);
            if (a != b) {
                return a > b;
            }
        }
        return true;
    }

    /**
     * How long one {@code RLock.tryLock} of a wait of {@code waitMillis} may wait: all of it from 3.28 on;
     * before, {@value #LOCK_WAIT_SLICE_MILLIS} ms at most, then the caller tries again. Before 3.28 a waiter
     * that finds no unlock message yet and registers for the next one can miss one sent in between (Redisson
     * #5761); it then sleeps until the lock's lease or its wait runs out, so a 10 s wait for a request that
     * finished at once ended in a 409.
     */
    public static long lockWaitSlice(long waitMillis) {
        return LOCK_WAITERS_WAKE ? waitMillis : Math.min(waitMillis, LOCK_WAIT_SLICE_MILLIS);
    }

    /**
     * Whether {@code RRateLimiter}s made by {@link #trySetRate} expire when idle (Redisson 3.38+); before,
     * they stay in Redis until deleted.
     */
    public static boolean rateLimitersExpire() {
        return KEEP_ALIVE;
    }

    /**
     * Whether a rate changed by {@link #changeRate} keeps the permits already taken (4.4+); before, the
     * change starts the limiter afresh.
     */
    public static boolean rateChangeKeepsState() {
        return RATE_LIMITER_ARGS;
    }

    /**
     * Sets {@code limiter} to {@code rate} permits per {@code period} unless it is set already, expiring after
     * one idle {@code period} where Redisson can (3.38+).
     */
    @SuppressWarnings("deprecation") // the only form before 3.37
    public static RFuture<Boolean> trySetRate(RRateLimiter limiter, long rate, Duration period) {
        if (KEEP_ALIVE) {
            return limiter.trySetRateAsync(RateType.OVERALL, rate, period, period);
        }
        return limiter.trySetRateAsync(RateType.OVERALL, rate, period.toMillis(), RateIntervalUnit.MILLISECONDS);
    }

    /**
     * Changes {@code limiter}'s rate to {@code rate} per {@code period}: keeping the permits already taken
     * from 4.4 on, starting afresh before (an older {@code setRate} deletes the limiter's state).
     */
    @SuppressWarnings("deprecation") // the only form before 3.37
    public static CompletionStage<Void> changeRate(RRateLimiter limiter, long rate, Duration period) {
        if (RATE_LIMITER_ARGS) {
            return Args.setRateKeepingState(limiter, rate, period);
        }
        if (KEEP_ALIVE) {
            return limiter.setRateAsync(RateType.OVERALL, rate, period, period);
        }
        return limiter.setRateAsync(RateType.OVERALL, rate, period.toMillis(), RateIntervalUnit.MILLISECONDS);
    }

    /**
     * Gives {@code permits} back to {@code limiter} (one set up by {@link #trySetRate}): Redisson's
     * {@code release} where it has one (3.52+), else a script that changes the limiter's state the same
     * way (its count of available permits goes up, never above the rate).
     */
    public static CompletionStage<Void> release(RedissonClient client, RRateLimiter limiter, long permits) {
        if (RELEASE) {
            return limiter.releaseAsync(permits);
        }
        String name = limiter.getName();
        List<Object> keys = List.of(name, suffixed(name, "value"));
        return client.getScript(StringCodec.INSTANCE).<Object>evalAsync(name, RScript.Mode.READ_WRITE,
                RELEASE_SCRIPT, RScript.ReturnType.VALUE, keys, Long.toString(permits)).thenApply(v -> null);
    }

    /**
     * Whether {@code error} is Redis refusing every command on this connection: {@code READONLY} (a replica,
     * after a failover) or {@code MASTERDOWN}. Redisson reports them as {@code RedisReadonlyException} since
     * 3.27.1 and {@code RedisMasterDownException} since 3.42; before, as a {@code RedisException} with the
     * error's text, which is what this checks (a class Tollgate names must exist in every version).
     */
    public static boolean servesNoOne(Throwable error) {
        if (!(error instanceof RedisException)) {
            return false;
        }
        String name = error.getClass().getSimpleName();
        String message = error.getMessage() == null ? "" : error.getMessage();
        return name.equals("RedisReadonlyException") || name.equals("RedisMasterDownException")
                || message.startsWith("READONLY") || message.startsWith("MASTERDOWN");
    }

    /** Redisson's name of a limiter's companion key: in the limiter's hash slot. */
    private static String suffixed(String name, String suffix) {
        return (name.indexOf('{') >= 0 ? name : "{" + name + "}") + ":" + suffix;
    }

    /** Loaded only from 4.4 on, where {@code RateLimiterArgs} exists. */
    private static final class Args {
        static CompletionStage<Void> setRateKeepingState(RRateLimiter limiter, long rate, Duration period) {
            return limiter.setRateAsync(RateLimiterArgs.of(RateType.OVERALL, rate, period)
                    .keepAliveTime(period).keepState(true));
        }
    }

    private static RScript.ReturnType returnType(String name4, String name3) {
        for (RScript.ReturnType t : RScript.ReturnType.values()) {
            if (t.name().equals(name4)) {
                return t;
            }
        }
        return RScript.ReturnType.valueOf(name3);
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, RScript.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static boolean hasMethod(String name, Class<?>... parameters) {
        try {
            RRateLimiterAsync.class.getMethod(name, parameters);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    private static String version() {
        String v = Redisson.class.getPackage().getImplementationVersion();
        return v == null ? "unknown" : v;
    }
}
