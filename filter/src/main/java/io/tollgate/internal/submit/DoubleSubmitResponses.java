package io.tollgate.internal.submit;

import io.tollgate.internal.http.CapturingResponse;
import io.tollgate.internal.http.ProblemResponse;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Writes what DoubleSubmitFilter answers (a bad key, a duplicate, a reused key, a replay, a backend-failure
 * denial) and turns a first request's captured response into the record its repeats are answered from.
 */
public final class DoubleSubmitResponses {

    /** Response header marking a replayed response: {@value}. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    private final DoubleSubmitSettings settings;

    public DoubleSubmitResponses(DoubleSubmitSettings settings) {
        this.settings = settings;
    }

    /** The key header is there but not a valid key: 400. */
    public void invalidKey(HttpServletResponse response) throws IOException {
        problem(response, 400, ProblemResponse.title(400), settings.keyHeader() + " must be 1 to "
                + IdempotencyKey.MAX_LENGTH + " visible ASCII characters, optionally in double quotes.");
    }

    /** An identical request is still running (in replay mode: it did not finish within the wait): 409. */
    public void inFlight(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", "1");
        problem(response, 409, "Duplicate submission", settings.mode() == DoubleSubmitSettings.Mode.REPLAY
                ? "An identical request is still being processed; it did not finish within the wait."
                : "An identical request is still being processed.");
    }

    /**
     * A request with a key header whose body cannot be held now ({@code maxBufferedBytes} is in use): 503 with
     * {@code Retry-After: 1}. Unread, it could not be compared with an earlier request under the key: a retry
     * would get 422, or share the answer of another body.
     */
    public void bodyNotHeld(HttpServletResponse response) throws IOException {
        response.setHeader("Retry-After", "1");
        problem(response, 503, ProblemResponse.title(503), "The request body cannot be held now to compare it"
                + " with the request first sent with this " + settings.keyHeader() + "; retry shortly.");
    }

    /** Redis failed and {@code onBackendFailure} is {@code deny}: 503 with a short {@code Retry-After}. */
    public void backendUnavailable(HttpServletResponse response) throws IOException {
        ProblemResponse.write(response, 503, ProblemResponse.backendUnavailable(response,
                settings.shared().backendTimeout(), "The double-submit guard cannot reach its store, and is"
                        + " configured to deny requests until it can."));
    }

    /**
     * A repeat of a completed submission: 422 for a reused key, the stored response, or 409.
     *
     * @return what was answered, for the metrics
     */
    public Verdict repeat(HttpServletResponse response, byte[] data, boolean keyed,
            byte[] fingerprint) throws IOException {
        SubmissionRecord record;
        try {
            record = SubmissionRecord.decode(data);
        } catch (IllegalArgumentException e) {
            record = SubmissionRecord.marker(fingerprint); // written by another version: still a duplicate
        }
        if (keyed && !record.sameRequest(fingerprint)) {
            problem(response, 422, "Idempotency key reused", "This " + settings.keyHeader()
                    + " was already used for a different request.");
            return Verdict.KEY_REUSED;
        }
        if (settings.mode() == DoubleSubmitSettings.Mode.REPLAY && record.hasResponse()) {
            replay(response, record);
            return Verdict.REPLAYED;
        }
        problem(response, 409, "Duplicate submission", record.hasResponse() || settings.mode()
                == DoubleSubmitSettings.Mode.REJECT ? "An identical request was already processed."
                : "An identical request was already processed; its response was too large to keep for replay.");
        return Verdict.DUPLICATE;
    }

    private static void replay(HttpServletResponse response, SubmissionRecord record) throws IOException {
        response.setStatus(record.status());
        // headers an earlier filter already set for this request (CORS, say) stay as they are; not the
        // Content-Type, which belongs to the stored body (an earlier filter's default would mislabel it)
        Set<String> present = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        present.addAll(response.getHeaderNames());
        for (String[] h : record.headers()) {
            if (h[0].equalsIgnoreCase("Content-Type")) {
                response.setContentType(h[1]);
            } else if (!present.contains(h[0])) {
                response.addHeader(h[0], h[1]);
            }
        }
        response.setHeader(REPLAYED_HEADER, "true");
        response.setContentLength(record.body().length);
        response.getOutputStream().write(record.body());
    }

    /**
     * Whether an answer is worth a record: not a failure (5xx), and not one that says the request did nothing
     * (404, 405, 401, 403, 413, 429). Those leave nothing in Redis, so a client cannot make Redis keep
     * records by sending keyed requests to pages that do not exist; its repeat simply runs again.
     */
    public static boolean worthKeeping(int status) {
        switch (status) {
            case 401: case 403: case 404: case 405: case 413: case 429:
                return false;
            default:
                return status < 500;
        }
    }

    /**
     * What a successful first request leaves for its repeats: its response when it was captured whole
     * ({@code capture} is null in reject mode), else a marker that it ran.
     */
    public static SubmissionRecord record(byte[] fingerprint, HttpServletResponse out, CapturingResponse capture) {
        if (capture == null || capture.overflow()) { // reject mode, too large, or written past the capture
            return SubmissionRecord.marker(fingerprint);
        }
        List<String[]> headers = capture.replayableHeaders();
        if (out.getContentType() != null && headers.stream().noneMatch(h -> h[0].equalsIgnoreCase("Content-Type"))) {
            headers.add(new String[] {"Content-Type", out.getContentType()});
        }
        return SubmissionRecord.response(fingerprint, out.getStatus(), headers, capture.body());
    }

    private static void problem(HttpServletResponse response, int status, String title, String detail)
            throws IOException {
        ProblemResponse.write(response, status, ProblemResponse.body(status, title, detail));
    }
}
