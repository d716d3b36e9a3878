package io.tollgate.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The load: HTTP/1.1 keep-alive connections over raw sockets, one thread per connection (named
 * {@code bench-client-N}, so allocation accounting can leave them out), each sending a request and reading
 * the whole response (status line, headers, body) before the next. Each connection is its own client
 * ({@value #CLIENT_HEADER}: {@code cN}) unless the run says all are one client.
 */
final class HttpLoad {

    /** The header naming the client, read by every variant that keys per client. */
    static final String CLIENT_HEADER = "X-Client";
    static final String THREAD_PREFIX = "bench-client-";

    private final int port;
    private final int connections;
    private int runs;

    HttpLoad(int port, int connections) {
        this.port = port;
        this.connections = connections;
    }

    /**
     * Connects every client and parks it at the start line; {@link Run#go} releases them.
     *
     * @param path      request path
     * @param post      POST with a body unique to each request (else GET)
     * @param oneClient every connection sends the same client header
     */
    Run open(String path, boolean post, boolean oneClient) throws IOException, InterruptedException {
        Run run = new Run(path, post, oneClient, ++runs);
        run.connect();
        return run;
    }

    /** What one run measured. */
    static final class Result {
        final long requests;
        final long elapsedNanos;
        final long[] latencyNanos;
        final int[] statuses = new int[600];
        final long errors;

        Result(long requests, long elapsedNanos, long[] latencyNanos, long errors) {
            this.requests = requests;
            this.elapsedNanos = elapsedNanos;
            this.latencyNanos = latencyNanos;
            this.errors = errors;
        }
    }

    /** One timed run of all connections against one path. */
    final class Run {
        private final String path;
        private final boolean post;
        private final boolean oneClient;
        private final int number;
        private final CountDownLatch start = new CountDownLatch(1);
        private final List<Client> clients = new ArrayList<>();
        private volatile long startNanos;
        private volatile long endNanos;

        Run(String path, boolean post, boolean oneClient, int number) {
            this.path = path;
            this.post = post;
            this.oneClient = oneClient;
            this.number = number;
        }

        private void connect() throws IOException, InterruptedException {
            CountDownLatch ready = new CountDownLatch(connections);
            for (int i = 0; i < connections; i++) {
                Client c = new Client(i, ready);
                clients.add(c);
                c.thread.start();
            }
            if (!ready.await(10, TimeUnit.SECONDS)) {
                throw new IOException("clients did not connect within 10 s");
            }
            for (Client c : clients) {
                if (c.failure != null) {
                    start.countDown();
                    throw c.failure;
                }
            }
        }

        /** Lets the clients go for {@code nanos}, waits until every one has finished its last request. */
        Result go(long nanos) throws InterruptedException {
            startNanos = System.nanoTime();
            endNanos = startNanos + nanos;
            start.countDown();
            long requests = 0;
            long errors = 0;
            long last = startNanos;
            for (Client c : clients) {
                c.thread.join();
                requests += c.count;
                errors += c.errors;
                last = Math.max(last, c.finishedNanos);
            }
            long[] latencies = new long[(int) requests];
            int at = 0;
            for (Client c : clients) {
                System.arraycopy(c.latencies, 0, latencies, at, c.count);
                at += c.count;
            }
            Result result = new Result(requests, last - startNanos, latencies, errors);
            for (Client c : clients) {
                for (int s = 0; s < result.statuses.length; s++) {
                    result.statuses[s] += c.statuses[s];
                }
            }
            return result;
        }

        private final class Client implements Runnable {
            final Thread thread;
            final int index;
            final CountDownLatch ready;
            final int[] statuses = new int[600];
            long[] latencies = new long[1 << 14];
            int count;
            long errors;
            long finishedNanos;
            IOException failure;
            private Socket socket;
            private InputStream in;
            private OutputStream out;

            Client(int index, CountDownLatch ready) {
                this.index = index;
                this.ready = ready;
                this.thread = new Thread(this, THREAD_PREFIX + index);
                thread.setDaemon(true);
            }

            @Override
            public void run() {
                try {
                    connect();
                } catch (IOException e) {
                    failure = e;
                } finally {
                    ready.countDown();
                }
                try {
                    start.await();
                    if (failure == null) {
                        load();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    finishedNanos = System.nanoTime();
                    close();
                }
            }

            private void connect() throws IOException {
                close();
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.setSoTimeout(10_000);
                socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
                in = new BufferedInputStream(socket.getInputStream(), 8192);
                out = socket.getOutputStream();
            }

            private void close() {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                    socket = null;
                }
            }

            private void load() {
                String client = oneClient ? "one" : "c" + index;
                byte[] get = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLIENT_HEADER + ": " + client
                        + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                String postHead = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + CLIENT_HEADER + ": " + client
                        + "\r\nContent-Type: text/plain\r\nContent-Length: ";
                ByteArrayOutputStream request = new ByteArrayOutputStream(256);
                long end = endNanos;
                long sequence = 0;
                while (System.nanoTime() - end < 0) {
                    byte[] bytes = get;
                    if (post) {
                        // unique per request, run and connection: no two submissions are duplicates
                        String body = "vote=" + number + "-" + index + "-" + (++sequence);
                        request.reset();
                        request.writeBytes((postHead + body.length() + "\r\n\r\n" + body)
                                .getBytes(StandardCharsets.US_ASCII));
                        bytes = request.toByteArray();
                    }
                    long t0 = System.nanoTime();
                    try {
                        out.write(bytes);
                        out.flush();
                        int status = readResponse();
                        record(System.nanoTime() - t0, status);
                    } catch (IOException e) {
                        errors++;
                        try {
                            connect();
                        } catch (IOException again) {
                            return;
                        }
                    }
                }
            }

            private void record(long nanos, int status) {
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = nanos;
                statuses[status >= 100 && status < 600 ? status : 0]++;
            }

            /** Reads one response; returns its status. Reconnects when the server said it will close. */
            private int readResponse() throws IOException {
                String statusLine = line();
                int status = Integer.parseInt(statusLine.substring(9, 12));
                long length = -1;
                boolean chunked = false;
                boolean close = false;
                for (String h = line(); !h.isEmpty(); h = line()) {
                    int colon = h.indexOf(':');
                    String name = h.substring(0, colon);
                    String value = h.substring(colon + 1).trim();
                    if (name.equalsIgnoreCase("Content-Length")) {
                        length = Long.parseLong(value);
                    } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                        chunked = value.equalsIgnoreCase("chunked");
                    } else if (name.equalsIgnoreCase("Connection")) {
                        close = value.equalsIgnoreCase("close");
                    }
                }
                if (chunked) {
                    for (long size = Long.parseLong(line().trim(), 16); size > 0; size = Long.parseLong(line().trim(), 16)) {
                        skip(size);
                        line();
                    }
                    line();
                } else if (length > 0) {
                    skip(length);
                }
                if (close) {
                    connect();
                }
                return status;
            }

            private void skip(long n) throws IOException {
                while (n > 0) {
                    long skipped = in.skip(n);
                    if (skipped <= 0) {
                        if (in.read() < 0) {
                            throw new IOException("connection closed mid-body");
                        }
                        skipped = 1;
                    }
                    n -= skipped;
                }
            }

            private final StringBuilder lineBuffer = new StringBuilder(128);

            private String line() throws IOException {
                lineBuffer.setLength(0);
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < 0) {
                        throw new IOException("connection closed by the server");
                    }
                    if (c != '\r') {
                        lineBuffer.append((char) c);
                    }
                }
                return lineBuffer.toString();
            }
        }
    }
}
