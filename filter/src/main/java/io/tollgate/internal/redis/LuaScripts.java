package io.tollgate.internal.redis;

import org.redisson.api.RScript;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** Tollgate's Lua scripts, each a resource beside the engine that runs it. */
public final class LuaScripts {

    private LuaScripts() {
    }

    /** The text of the resource {@code name} in the package of {@code beside}. */
    public static String read(Class<?> beside, String name) {
        try (InputStream in = beside.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name + " beside " + beside.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SHA-1 of a script, as {@code EVALSHA} names it (lower-case hex). */
    public static String sha1(String script) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest(script.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder(40);
            for (byte b : digest) {
                hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-1", e);
        }
    }

    /**
     * A read-write script run on a request's path by its SHA-1 ({@code EVALSHA}), on one key, answering a list.
     * A Redis that does not know the script ({@code NOSCRIPT}: restarted, flushed, a promoted replica) gets it
     * by {@code RScript.evalAsync}, which loads it and runs it. {@code NOSCRIPT} means the script did not run,
     * so running it then spends nothing twice.
     *
     * <p>Why not {@code evalAsync} on every call: with Redisson's script cache it also sends {@code EVALSHA},
     * but builds a command description from the first 200 characters of the script, copies the arguments
     * and chains two more futures, per call: a measurable part of what a request costs on a hot key.
     */
    public static final class WriteScript {
        private final RScript script;
        private final String text;
        private final String sha1;

        /** @param script a client's scripts with the codec of the arguments and answers */
        public WriteScript(RScript script, String text) {
            this.script = script;
            this.text = text;
            this.sha1 = sha1(text);
        }

        /** Loads the script into Redis (every master of a cluster), answering its SHA-1. */
        public CompletionStage<String> load() {
            return ContainerThreads.call(() -> script.scriptLoadAsync(text));
        }

        /**
         * Runs the script on {@code key} with {@code args}.
         *
         * @param answer reads the script's answer on the thread that completes the call; what it throws fails
         *               the returned stage
         */
        public <T> CompletionStage<T> run(String key, Object[] args, Function<List<Object>, ? extends T> answer) {
            List<Object> keys = Collections.singletonList(key);
            CompletableFuture<T> result = new CompletableFuture<>();
            CompletionStage<List<Object>> bySha = script.evalShaAsync(key, RScript.Mode.READ_WRITE, sha1,
                    RedissonVersions.LIST, keys, args);
            bySha.whenComplete((value, error) -> {
                if (error == null) {
                    complete(result, value, answer);
                } else if (noScript(error)) {
                    CompletionStage<List<Object>> loaded = ContainerThreads.call(() -> script.evalAsync(key,
                            RScript.Mode.READ_WRITE, text, RedissonVersions.LIST, keys, args));
                    loaded.whenComplete((v, e) -> {
                        if (e == null) {
                            complete(result, v, answer);
                        } else {
                            result.completeExceptionally(e);
                        }
                    });
                } else {
                    result.completeExceptionally(error);
                }
            });
            return result;
        }
    }

    private static <R, T> void complete(CompletableFuture<T> result, R value, Function<? super R, ? extends T> answer) {
        try {
            result.complete(answer.apply(value));
        } catch (RuntimeException | Error e) {
            result.completeExceptionally(e);
        }
    }

    private static boolean noScript(Throwable error) {
        Throwable t = BoundedCall.cause(error);
        return t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT");
    }
}
