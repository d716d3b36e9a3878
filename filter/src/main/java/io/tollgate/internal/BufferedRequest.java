package io.tollgate.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.SequenceInputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;

/**
 * A request whose body was read ahead (up to a limit) to fingerprint it, and that hands the servlet the
 * whole body, byte for byte: the part read ahead, then whatever was left unread.
 */
public final class BufferedRequest extends HttpServletRequestWrapper {

    private final byte[] head;
    private final boolean complete;
    private final InputStream rest;
    private ServletInputStream stream;
    private BufferedReader reader;

    private BufferedRequest(HttpServletRequest request, byte[] head, boolean complete, InputStream rest) {
        super(request);
        this.head = head;
        this.complete = complete;
        this.rest = rest;
    }

    /** Reads at most {@code limit + 1} bytes of the body; {@link #complete()} tells whether that was all of it. */
    public static BufferedRequest read(HttpServletRequest request, long limit) throws IOException {
        InputStream in = request.getInputStream();
        byte[] head = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        boolean complete = head.length <= limit;
        return new BufferedRequest(request, head, complete, complete ? null : in);
    }

    /** Whether the whole body was read (it is at most the limit). */
    public boolean complete() {
        return complete;
    }

    /** The body, when {@link #complete()}. */
    public byte[] body() {
        return head;
    }

    @Override
    public ServletInputStream getInputStream() {
        if (reader != null) {
            throw new IllegalStateException("getReader() has already been called for this request");
        }
        if (stream == null) {
            stream = open();
        }
        return stream;
    }

    @Override
    public BufferedReader getReader() {
        if (stream != null) {
            throw new IllegalStateException("getInputStream() has already been called for this request");
        }
        if (reader == null) {
            reader = new BufferedReader(new InputStreamReader(open(), charset()));
        }
        return reader;
    }

    private ServletInputStream open() {
        InputStream all = complete ? new ByteArrayInputStream(head)
                : new SequenceInputStream(new ByteArrayInputStream(head), rest);
        return new Replay(all, complete);
    }

    private Charset charset() {
        String name = getCharacterEncoding();
        if (name == null) {
            return StandardCharsets.ISO_8859_1; // the servlet spec's default for request bodies
        }
        try {
            return Charset.forName(name);
        } catch (UnsupportedCharsetException | java.nio.charset.IllegalCharsetNameException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    /** The body as a servlet stream; non-blocking reads are served at once when the body is in memory. */
    private static final class Replay extends ServletInputStream {
        private final InputStream in;
        private final boolean inMemory;
        private boolean finished;

        Replay(InputStream in, boolean inMemory) {
            this.in = in;
            this.inMemory = inMemory;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            finished |= b < 0;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            finished |= n < 0;
            return n;
        }

        @Override
        public boolean isFinished() {
            return finished;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            if (!inMemory) {
                throw new IllegalStateException("non-blocking reads are not available for bodies above maxBodyBytes");
            }
            try {
                listener.onDataAvailable();
                listener.onAllDataRead();
            } catch (IOException e) {
                listener.onError(e);
            }
        }
    }
}
