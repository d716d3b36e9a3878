package io.tollgate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback between a Redis client and {@code redis-server}, with faults switched on and off
 * while the test runs: delay every response, delay the responses of one pooled connection, add random
 * jitter to every response (order kept), delay every n-th new connection, black-hole (connections stay open, nothing is forwarded) and
 * reset every open connection (RST). Point the filters' {@code redisAddress} at {@link #url()}.
 */
public final class FaultProxy implements AutoCloseable {

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final List<Link> links = new CopyOnWriteArrayList<>();
    private final AtomicInteger accepted = new AtomicInteger();
    private volatile long delayNanos;
    private volatile long jitterNanos;
    private volatile boolean blackHole;
    /** The next link to carry a request gets this delay on its responses (0 = none pending). */
    private volatile long pendingOneDelayNanos;
    private volatile boolean closed;
    private int everyNth;
    private int everyNthBase;
    private long everyNthDelayNanos;
    private final AtomicInteger slowConnections = new AtomicInteger();

    private FaultProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** A proxy in front of {@code redis}, healthy until told otherwise. */
    public static FaultProxy to(RedisServer redis) throws IOException {
        return new FaultProxy(redis.host(), redis.port());
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code redis://127.0.0.1:PORT} of the proxy. */
    public String url() {
        return "redis://127.0.0.1:" + port();
    }

    /** Every response (of every connection, new ones too) is held back {@code delay}. */
    public FaultProxy delayAll(Duration delay) {
        delayNanos = delay.toNanos();
        return this;
    }

    /** Every response is held back a random 0 to {@code max} more (responses of one connection stay in order). */
    public FaultProxy jitter(Duration max) {
        jitterNanos = max.toNanos();
        return this;
    }

    /**
     * The first open connection to carry a request from now on has its responses held back {@code delay},
     * for as long as it lives; the others stay healthy. Returns at once.
     */
    public FaultProxy delayOneConnection(Duration delay) {
        pendingOneDelayNanos = delay.toNanos();
        return this;
    }

    /**
     * From now on every {@code n}-th new connection (the n-th, 2n-th, ... accepted after this call) has all its
     * responses held back {@code delay}, for as long as it lives; the others stay healthy. A client that opens
     * its pool at start-up meets some slow connections and many healthy ones.
     */
    public FaultProxy delayEveryNthNewConnection(int n, Duration delay) {
        synchronized (this) {
            everyNth = n;
            everyNthBase = accepted.get();
            everyNthDelayNanos = delay.toNanos();
        }
        return this;
    }

    /** Connections chosen by {@link #delayEveryNthNewConnection} so far. */
    public int slowConnections() {
        return slowConnections.get();
    }

    /** Whether a connection was chosen by {@link #delayOneConnection} (it has carried a request since). */
    public boolean oneConnectionDelayed() {
        return links.stream().anyMatch(l -> l.ownDelayNanos > 0);
    }

    /** Connections stay open (new ones are accepted), nothing is forwarded either way. */
    public FaultProxy blackHole(boolean on) {
        blackHole = on;
        return this;
    }

    /** Every open connection is reset (RST to both sides); new connections are served. */
    public FaultProxy resetAll() {
        for (Link l : links) {
            l.close(true);
        }
        return this;
    }

    /** No fault any more (connections chosen by {@link #delayOneConnection} recover too). */
    public FaultProxy heal() {
        synchronized (this) {
            everyNth = 0;
        }
        delayNanos = 0;
        jitterNanos = 0;
        blackHole = false;
        pendingOneDelayNanos = 0;
        for (Link l : links) {
            l.ownDelayNanos = 0;
        }
        return this;
    }

    /** Connections accepted since the start. */
    public int accepted() {
        return accepted.get();
    }

    /** Connections open now. */
    public int open() {
        return links.size();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                int number = accepted.incrementAndGet();
                Socket upstream = new Socket(targetHost, targetPort);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                Link link = new Link(client, upstream);
                synchronized (this) {
                    if (everyNth > 0 && (number - everyNthBase) % everyNth == 0) {
                        link.ownDelayNanos = everyNthDelayNanos;
                        slowConnections.incrementAndGet();
                    }
                }
                links.add(link);
                link.start();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** One proxied connection: client to Redis at once, Redis to client through a timed queue. */
    private final class Link {
        final Socket client;
        final Socket upstream;
        final BlockingQueue<Chunk> toClient = new LinkedBlockingQueue<>();
        volatile long ownDelayNanos;
        long lastRelease;
        volatile boolean done;

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() {
            String name = "fault-proxy-" + port() + "-" + accepted.get();
            thread(name + "-up", this::pumpUp);
            thread(name + "-down", this::pumpDown);
            thread(name + "-deliver", this::deliver);
        }

        private void thread(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
        }

        void pumpUp() {
            byte[] buf = new byte[16384];
            try (InputStream in = client.getInputStream(); OutputStream out = upstream.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (pendingOneDelayNanos > 0) {
                        synchronized (FaultProxy.this) {
                            if (pendingOneDelayNanos > 0) {
                                ownDelayNanos = pendingOneDelayNanos;
                                pendingOneDelayNanos = 0;
                            }
                        }
                    }
                    if (!blackHole) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // closed or reset
            } finally {
                close(false);
            }
        }

        void pumpDown() {
            byte[] buf = new byte[16384];
            try (InputStream in = upstream.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    if (blackHole) {
                        continue;
                    }
                    long now = System.nanoTime();
                    long jitter = jitterNanos;
                    long delay = delayNanos + ownDelayNanos
                            + (jitter > 0 ? ThreadLocalRandom.current().nextLong(jitter + 1) : 0);
                    // responses of one connection keep their order
                    lastRelease = Math.max(lastRelease, now + delay);
                    toClient.add(new Chunk(lastRelease, Arrays.copyOf(buf, n)));
                }
            } catch (IOException e) {
                // closed or reset
            } finally {
                toClient.add(Chunk.END);
            }
        }

        void deliver() {
            try (OutputStream out = client.getOutputStream()) {
                while (true) {
                    Chunk c = toClient.take();
                    if (c == Chunk.END) {
                        return;
                    }
                    long wait = c.releaseAt - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    out.write(c.bytes);
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // closed or reset
            } finally {
                close(false);
            }
        }

        void close(boolean reset) {
            if (done && !reset) {
                return;
            }
            done = true;
            links.remove(this);
            for (Socket s : new Socket[] {client, upstream}) {
                try {
                    if (reset) {
                        s.setSoLinger(true, 0); // close sends RST
                    }
                    s.close();
                } catch (SocketException e) {
                    // already closed
                } catch (IOException e) {
                    // nothing more to do
                }
            }
        }
    }

    private static final class Chunk {
        static final Chunk END = new Chunk(0, new byte[0]);
        final long releaseAt;
        final byte[] bytes;

        Chunk(long releaseAt, byte[] bytes) {
            this.releaseAt = releaseAt;
            this.bytes = bytes;
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // nothing more to do
        }
        for (Link l : links) {
            l.close(false);
        }
    }
}
