package io.tollgate.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.tollgate.internal.ratelimit.engine.SlidingLogEngine;
import io.tollgate.internal.ratelimit.engine.TokenBucketEngine;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import org.redisson.client.NettyHook;
import org.redisson.client.protocol.CommandData;
import org.redisson.client.protocol.CommandsData;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the network round trips a Redisson client makes: every message it writes to a Redis connection is
 * one — a single command, or a pipelined batch. Keep-alive {@code PING}s and the failover watch's
 * {@code INFO replication} once a second are left out: they are not caused
 * by requests.
 */
final class RoundTripCounter implements NettyHook {

    private final Map<String, LongAdder> written = new ConcurrentHashMap<>();
    /** Requests per limiter script call: index = requests (a one-request script run counts as 1). */
    private final AtomicLongArray batchSizes = new AtomicLongArray(MAX_BATCH + 1);
    static final int MAX_BATCH = 1024;
    private static final String SLIDING_LOG_BATCH = sha1(SlidingLogEngine.BATCH_SCRIPT);
    private static final String TOKEN_BUCKET_SCRIPT = sha1(TokenBucketEngine.SCRIPT);
    private final ChannelHandler handler = new Counting();

    @Override
    public void afterBoostrapInitialization(Bootstrap bootstrap) {
    }

    @Override
    public void afterChannelInitialization(Channel channel) {
        // last in the pipeline = first on the way out: it sees each command as the client wrote it, before encoding
        channel.pipeline().addLast("bench-round-trips", handler);
    }

    /** Round trips so far, per command name ({@code batch} for a pipelined batch). */
    Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        written.forEach((name, n) -> counts.put(name, n.sum()));
        return counts;
    }

    /** Script calls so far by requests carried: index = requests (1 for a one-request script). */
    long[] batchSizes() {
        long[] out = new long[batchSizes.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = batchSizes.get(i);
        }
        return out;
    }

    /** Requests an EVALSHA carries: its costs, for a batch script (see the scripts' contracts); else 1. */
    private void countBatch(CommandData<?, ?> command) {
        Object[] params = command.getParams();
        if (params.length < 4) {
            return;
        }
        String sha = String.valueOf(params[0]);
        int requests = 1;
        if (sha.equalsIgnoreCase(SLIDING_LOG_BATCH)) {
            requests = params.length - 5 - 2 * Integer.parseInt(text(params[4]));
        } else if (sha.equalsIgnoreCase(TOKEN_BUCKET_SCRIPT)) {
            requests = params.length - 4 - 3 * Integer.parseInt(text(params[3]));
        }
        batchSizes.incrementAndGet(Math.min(MAX_BATCH, Math.max(0, requests)));
    }

    private static String text(Object param) {
        if (param instanceof ByteBuf) {
            ByteBuf b = (ByteBuf) param;
            return b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.UTF_8);
        }
        return param instanceof byte[] ? new String((byte[]) param, StandardCharsets.UTF_8) : String.valueOf(param);
    }

    private static String sha1(String text) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @ChannelHandler.Sharable
    private final class Counting extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            String name = msg instanceof CommandsData ? "batch"
                    : msg instanceof CommandData ? ((CommandData<?, ?>) msg).getCommand().getName() : null;
            if (name != null && !name.equals("PING") && !name.equals("INFO")) {
                written.computeIfAbsent(name, n -> new LongAdder()).increment();
                if (name.equals("EVALSHA")) {
                    countBatch((CommandData<?, ?>) msg);
                }
            }
            super.write(ctx, msg, promise);
        }
    }
}
