package io.tollgate.internal.http;

import jakarta.servlet.http.HttpServletRequest;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of request bodies one filter holds in memory at once ({@code maxBufferedBytes}): stalled uploads
 * must not fill the heap. A body is counted from before it is read until its request is done, an async
 * request's until it completes.
 */
public final class BufferBudget {

    private final long max;
    private final AtomicLong held = new AtomicLong();

    public BufferBudget(long max) {
        this.max = max;
    }

    /** Counts {@code bytes} against the budget: the bytes counted, or -1 when they do not fit. */
    public long reserve(long bytes) {
        long now;
        do {
            now = held.get();
            if (now + bytes > max) {
                return -1;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return bytes;
    }

    /**
     * Gives back what {@link #reserve} counted for {@code request} (nothing for -1): now, or when the request
     * completes if it went async.
     */
    public void release(HttpServletRequest request, long bytes) {
        if (bytes <= 0) {
            return;
        }
        if (!request.isAsyncStarted()) {
            held.addAndGet(-bytes);
            return;
        }
        AtomicBoolean released = new AtomicBoolean();
        AsyncCompletion.whenComplete(request, ok -> {
            if (released.compareAndSet(false, true)) {
                held.addAndGet(-bytes);
            }
        });
    }
}
