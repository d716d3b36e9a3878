package io.tollgate.bench;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import org.redisson.client.NettyHook;
import org.redisson.client.protocol.CommandData;
import org.redisson.client.protocol.CommandsData;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the network round trips a Redisson client makes: every message it writes to a Redis connection is
 * one — a single command, or a pipelined batch. Keep-alive {@code PING}s are left out: they are not caused
 * by requests.
 */
final class RoundTripCounter implements NettyHook {

    private final Map<String, LongAdder> written = new ConcurrentHashMap<>();
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

    @ChannelHandler.Sharable
    private final class Counting extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            String name = msg instanceof CommandsData ? "batch"
                    : msg instanceof CommandData ? ((CommandData<?, ?>) msg).getCommand().getName() : null;
            if (name != null && !name.equals("PING")) {
                written.computeIfAbsent(name, n -> new LongAdder()).increment();
            }
            super.write(ctx, msg, promise);
        }
    }
}
