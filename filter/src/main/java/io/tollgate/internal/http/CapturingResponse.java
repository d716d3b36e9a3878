package io.tollgate.internal.http;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Passes the response through untouched while keeping a copy of its body (up to a limit), so that a
 * repeat of the request can be answered with it later.
 */
public final class CapturingResponse extends HttpServletResponseWrapper {

    /** Headers never replayed: per-connection, per-response or another filter's business. */
    private static final Set<String> NOT_REPLAYED = new HashSet<>(Arrays.asList("set-cookie", "set-cookie2",
            "content-length", "transfer-encoding", "connection", "keep-alive", "date", "ratelimit",
            "ratelimit-policy", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"));

    private final long limit;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();
    private boolean overflow;
    private ServletOutputStream stream;
    private PrintWriter writer;

    public CapturingResponse(HttpServletResponse response, long limit) {
        super(response);
        this.limit = limit;
    }

    private void capture(byte[] b, int off, int len) {
        if (overflow) {
            return;
        }
        if (copy.size() + (long) len > limit) {
            overflow = true;
            copy.reset();
            return;
        }
        copy.write(b, off, len);
    }

    /** Whether the body went over the limit (then nothing of it is kept). */
    public boolean overflow() {
        return overflow;
    }

    /** The body written so far. */
    public byte[] body() {
        if (writer != null) {
            writer.flush();
        }
        return copy.toByteArray();
    }

    /** The headers to replay, as name/value pairs. */
    public List<String[]> replayableHeaders() {
        List<String[]> out = new ArrayList<>();
        for (String name : getHeaderNames()) {
            if (NOT_REPLAYED.contains(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            for (String value : getHeaders(name)) {
                out.add(new String[] {name, value});
            }
        }
        return out;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
        if (stream == null) {
            ServletOutputStream out = super.getOutputStream();
            stream = new ServletOutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    capture(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    capture(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }

                @Override
                public boolean isReady() {
                    return out.isReady();
                }

                @Override
                public void setWriteListener(WriteListener listener) {
                    out.setWriteListener(listener);
                }
            };
        }
        return stream;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
        if (writer == null) {
            PrintWriter out = super.getWriter();
            // encodes the copy with the response's charset, statefully (surrogate pairs may span writes)
            Writer copyWriter = new OutputStreamWriter(new OutputStream() {
                @Override
                public void write(int b) {
                    capture(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    capture(b, off, len);
                }
            }, charset());
            writer = new PrintWriter(new Writer() {
                @Override
                public void write(char[] cbuf, int off, int len) throws IOException {
                    out.write(cbuf, off, len);
                    copyWriter.write(cbuf, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                    copyWriter.flush();
                }

                @Override
                public void close() throws IOException {
                    copyWriter.flush();
                    out.close();
                }
            }, false);
        }
        return writer;
    }

    private Charset charset() {
        String name = getCharacterEncoding();
        try {
            return name == null ? StandardCharsets.ISO_8859_1 : Charset.forName(name);
        } catch (RuntimeException e) {
            return StandardCharsets.ISO_8859_1;
        }
    }

    @Override
    public void resetBuffer() {
        super.resetBuffer();
        copy.reset();
        overflow = false;
    }

    @Override
    public void reset() {
        super.reset();
        copy.reset();
        overflow = false;
    }

    @Override
    public void flushBuffer() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        super.flushBuffer();
    }
}
