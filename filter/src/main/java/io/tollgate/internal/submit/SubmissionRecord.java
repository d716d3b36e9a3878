package io.tollgate.internal.submit;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * What a completed submission leaves in Redis for its window: the request's fingerprint (to tell a reused
 * {@code Idempotency-Key} with another request) and, in replay mode, the response to replay.
 */
public final class SubmissionRecord {

    private static final int VERSION = 1;

    private final byte[] fingerprint;
    private final boolean hasResponse;
    private final int status;
    private final List<String[]> headers;
    private final byte[] body;

    private SubmissionRecord(byte[] fingerprint, boolean hasResponse, int status, List<String[]> headers, byte[] body) {
        this.fingerprint = fingerprint;
        this.hasResponse = hasResponse;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** A record without a response (reject mode, or a response too large to store). */
    public static SubmissionRecord marker(byte[] fingerprint) {
        return new SubmissionRecord(fingerprint, false, 0, Collections.emptyList(), new byte[0]);
    }

    /** A record with the response to replay; headers as name/value pairs. */
    public static SubmissionRecord response(byte[] fingerprint, int status, List<String[]> headers, byte[] body) {
        return new SubmissionRecord(fingerprint, true, status, headers, body);
    }

    /** Whether the request that completed is the same request (same fingerprint). */
    public boolean sameRequest(byte[] otherFingerprint) {
        return Arrays.equals(fingerprint, otherFingerprint);
    }

    public boolean hasResponse() {
        return hasResponse;
    }

    public int status() {
        return status;
    }

    public List<String[]> headers() {
        return headers;
    }

    public byte[] body() {
        return body;
    }

    public byte[] encode() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + body.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(VERSION);
            out.writeShort(fingerprint.length);
            out.write(fingerprint);
            out.writeBoolean(hasResponse);
            if (hasResponse) {
                out.writeShort(status);
                out.writeShort(headers.size());
                for (String[] h : headers) {
                    out.writeUTF(h[0]);
                    out.writeUTF(h[1]);
                }
                out.writeInt(body.length);
                out.write(body);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // cannot happen in memory
        }
    }

    /** Decodes a record; throws {@link IllegalArgumentException} for anything this version did not write. */
    public static SubmissionRecord decode(byte[] data) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
            if (in.readUnsignedByte() != VERSION) {
                throw new IllegalArgumentException("unknown record version");
            }
            byte[] fingerprint = new byte[in.readUnsignedShort()];
            in.readFully(fingerprint);
            if (!in.readBoolean()) {
                return marker(fingerprint);
            }
            int status = in.readUnsignedShort();
            int n = in.readUnsignedShort();
            List<String[]> headers = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                headers.add(new String[] {in.readUTF(), in.readUTF()});
            }
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            return response(fingerprint, status, headers, body);
        } catch (IOException e) {
            throw new IllegalArgumentException("truncated record", e);
        }
    }
}
