package io.tollgate.internal.http;

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
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.charset.UnsupportedCharsetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request whose body was read ahead (up to a limit) to fingerprint it, and that hands the servlet the
 * whole body, byte for byte: the part read ahead, then whatever was left unread. For a form it also
 * answers {@code getParameter} from the body it read.
 */
public final class BufferedRequest extends HttpServletRequestWrapper {

    /** Most form fields read from a body, as containers cap them. */
    static final int MAX_PARAMETERS = 10_000;

    private final byte[] head;
    private final boolean complete;
    private final InputStream rest;
    private final boolean form;
    private ServletInputStream stream;
    private BufferedReader reader;
    private Map<String, String[]> parameters;

    private BufferedRequest(HttpServletRequest request, byte[] head, boolean complete, InputStream rest,
            boolean form) {
        super(request);
        this.head = head;
        this.complete = complete;
        this.rest = rest;
        this.form = form;
    }

    /**
     * Reads at most {@code limit + 1} bytes of the body; {@link #complete()} tells whether that was all of it.
     * A form ({@code application/x-www-form-urlencoded}) must declare a length within the limit (the caller
     * checks): its fields are then served by {@code getParameter}, since the container cannot parse a body it
     * no longer has.
     */
    public static BufferedRequest read(HttpServletRequest request, long limit, boolean form) throws IOException {
        InputStream in = request.getInputStream();
        byte[] head = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        boolean complete = head.length <= limit;
        return new BufferedRequest(request, head, complete, complete ? null : in, form && complete);
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

    @Override
    public String getParameter(String name) {
        if (!form) {
            return super.getParameter(name);
        }
        String[] values = parameters().get(name);
        return values == null ? null : values[0];
    }

    @Override
    public Map<String, String[]> getParameterMap() {
        return form ? parameters() : super.getParameterMap();
    }

    @Override
    public Enumeration<String> getParameterNames() {
        return form ? Collections.enumeration(parameters().keySet()) : super.getParameterNames();
    }

    @Override
    public String[] getParameterValues(String name) {
        if (!form) {
            return super.getParameterValues(name);
        }
        String[] values = parameters().get(name);
        return values == null ? null : values.clone();
    }

    /** The query string's parameters (the container still has those), then the form body's, as the spec orders them. */
    private Map<String, String[]> parameters() {
        if (parameters == null) {
            Map<String, List<String>> all = new LinkedHashMap<>();
            super.getParameterMap().forEach((k, v) -> all.computeIfAbsent(k, x -> new ArrayList<>()).addAll(Arrays.asList(v)));
            Charset charset = charset();
            int count = 0;
            for (String pair : new String(head, StandardCharsets.ISO_8859_1).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                if (++count > MAX_PARAMETERS) {
                    break; // as containers cap them (Tomcat's maxParameterCount): a body of tiny pairs costs no more
                }
                int eq = pair.indexOf('=');
                try {
                    String key = URLDecoder.decode(asCharset(eq < 0 ? pair : pair.substring(0, eq), charset), charset);
                    String value = eq < 0 ? "" : URLDecoder.decode(asCharset(pair.substring(eq + 1), charset), charset);
                    all.computeIfAbsent(key, x -> new ArrayList<>()).add(value);
                } catch (IllegalArgumentException e) {
                    // a malformed %-escape: the pair is skipped, as containers do
                }
            }
            Map<String, String[]> out = new LinkedHashMap<>();
            all.forEach((k, v) -> out.put(k, v.toArray(new String[0])));
            parameters = Collections.unmodifiableMap(out);
        }
        return parameters;
    }

    /** The raw (still %-encoded, ASCII) text of a form field, re-read as the charset's string for URLDecoder. */
    private static String asCharset(String latin1, Charset charset) {
        return new String(latin1.getBytes(StandardCharsets.ISO_8859_1), charset);
    }

    private Charset charset() {
        String name = getCharacterEncoding();
        if (name == null && getServletContext() != null) {
            name = getServletContext().getRequestCharacterEncoding(); // <request-character-encoding> in web.xml
        }
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
