package io.tollgate.internal.redis;

import io.tollgate.Algorithm;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;

/**
 * Every Redis key Tollgate writes, in one place (the tables in docs/rate-limiting.md, docs/double-submit.md
 * and docs/outbound.md describe these methods):
 *
 * <pre>
 * &lt;prefix&gt;rl:{&lt;policy&gt;:&lt;hash&gt;}    one client's log under one rate-limit policy (sliding-log)
 * &lt;prefix&gt;tb:{&lt;policy&gt;:&lt;hash&gt;}    the same client's token buckets (token-bucket)
 * &lt;prefix&gt;rrl:{&lt;policy&gt;:&lt;hash&gt;}:&lt;period&gt;   one limit's RRateLimiter (rratelimiter; Redisson adds :value, :permits)
 * &lt;prefix&gt;ds:{&lt;hash&gt;}:lock          a double submit's lock while the first request runs
 * redisson_lock__channel:&lt;lock&gt;    the lock's unlock channel (pub/sub, named as Redisson names it)
 * &lt;prefix&gt;ds:{&lt;hash&gt;}:done          its completion record (with the response to replay, in replay mode)
 * &lt;prefix&gt;ds:{&lt;hash&gt;}:fence         its fencing tokens: the last one given to a claim, the completed record's
 * &lt;prefix&gt;ds:{replica-probe}       written at start-up with replicaAcks (expires in 1 s)
 * &lt;prefix&gt;ds:{&lt;hash&gt;}:stored        the bytes of stored responses one client keeps (maxStoredBytesPerClient)
 * &lt;prefix&gt;out:{&lt;name&gt;}             one OutboundLimiter's log (sliding-log)
 * &lt;prefix&gt;out:{&lt;name&gt;}:tb          its token buckets (token-bucket)
 * &lt;prefix&gt;out:{&lt;name&gt;}:&lt;period&gt;    one OutboundLimiter limit's RRateLimiter (rratelimiter)
 * </pre>
 *
 * The braces are the Redis Cluster hash tag: all keys one decision touches share a slot. What a client
 * sends (IPs, user names, header values, idempotency keys) is hashed, never written into a key name.
 */
public final class RedisKeys {

    private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();
    /**
     * Every request's key is hashed: copying a fresh digest costs a fraction of looking one up in the
     * security providers ({@code getInstance}: a provider search and a reflective constructor). Never
     * updated, so copied from any thread.
     */
    private static final MessageDigest SHA256 = newSha256();

    private RedisKeys() {
    }

    /**
     * The budget of one client ({@code identity}, hashed here) under one rate-limit policy kept by
     * {@code algorithm}: each algorithm keeps its own keys ({@code rl:}, {@code tb:}, {@code rrl:}), their
     * types differ.
     */
    public static String rateLimit(String prefix, Algorithm algorithm, String policy, String identity) {
        return prefix + infix(algorithm) + "{" + policy + ":" + hash(identity) + "}";
    }

    /** The segment after the key prefix in an algorithm's keys. */
    private static String infix(Algorithm algorithm) {
        switch (algorithm) {
            case SLIDING_LOG:
                return "rl:";
            case TOKEN_BUCKET:
                return "tb:";
            case RRATELIMITER:
                return "rrl:";
            default:
                throw new IllegalArgumentException("no key layout for algorithm [" + algorithm + "]");
        }
    }

    /** The name of the RRateLimiter keeping one limit of a budget: {@code <budget key>:<period>}, e.g. {@code :1m}. */
    public static String rateLimiter(String budgetKey, String period) {
        return budgetKey + ":" + period;
    }

    /** A submission named by the client's idempotency key; its lock and record are {@link #lock} and {@link #record}. */
    public static String keyedSubmission(String prefix, String client, String idempotencyKey) {
        return submission(prefix, "key|" + client.length() + ":" + client + "|" + idempotencyKey);
    }

    /** A submission without a key, named by its request fingerprint (hex). */
    public static String fingerprintedSubmission(String prefix, String client, String fingerprintHex) {
        return submission(prefix, "body|" + client.length() + ":" + client + "|" + fingerprintHex);
    }

    private static String submission(String prefix, String identity) {
        return prefix + "ds:{" + hash(identity) + "}";
    }

    /** The counter of the bytes one client's stored responses keep. */
    public static String clientStorage(String prefix, String client) {
        return prefix + "ds:{" + hash("stored|" + client) + "}:stored";
    }

    /** The charges behind {@link #clientStorage}: when each stored response's bytes stop counting (same slot). */
    public static String clientStorageCharges(String prefix, String client) {
        return clientStorage(prefix, client) + "-charges";
    }

    /** The lock of a submission while its first request runs (a Redisson lock hash). */
    public static String lock(String submission) {
        return submission + ":lock";
    }

    /**
     * The channel Redisson's RLock publishes its unlock message on, named as Redisson names it (in the lock's
     * hash slot): complete.lua releases the lock as RLock would, so RLock's waiters hear it.
     */
    public static String lockChannel(String lock) {
        return "redisson_lock__channel:" + (lock.indexOf('{') >= 0 ? lock : "{" + lock + "}");
    }

    /** The completion record of a submission. */
    public static String record(String submission) {
        return submission + ":done";
    }

    /**
     * The fencing tokens of a submission (a hash: {@code next}, the last token a claim was given;
     * {@code done}, the token of the claim whose record is stored), kept as long as the lock or the record.
     */
    public static String fence(String submission) {
        return submission + ":fence";
    }

    /** A short-lived key written at start-up to see how many replicas acknowledge a write (replicaAcks). */
    public static String replicaProbe(String prefix) {
        return prefix + "ds:{replica-probe}";
    }

    /** A key never written: reading it makes the client connect at start-up. */
    public static String connectProbe(String prefix) {
        return record(prefix + "ds:{connect}");
    }

    /** The log of one OutboundLimiter; {@code name} is the user's and is written as given. */
    /** One OutboundLimiter's token buckets (not its log's key: the types differ). */
    public static String outboundBuckets(String prefix, String name) {
        return outbound(prefix, name) + ":tb";
    }

    /** One OutboundLimiter's log (sliding-log); with rratelimiter the base of its limiters' names. */
    public static String outbound(String prefix, String name) {
        return prefix + "out:{" + name + "}";
    }

    /** 120 bits of SHA-256, as 20 URL-safe base64 characters: keys stay short whatever the client sends. */
    public static String hash(String identity) {
        byte[] digest = sha256().digest(identity.getBytes(StandardCharsets.UTF_8));
        return BASE64.encodeToString(Arrays.copyOf(digest, 15));
    }

    /** A new SHA-256 digest (key hashes and request fingerprints use the same algorithm). */
    public static MessageDigest sha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256(); // a provider whose digest cannot be copied: looked up each time
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
