package io.tollgate.internal.http;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Tells when an async request is done, and whether it ended well: {@code done} gets true on completion
 * after neither a timeout nor an error. Follows the request through a second {@code startAsync}.
 */
public final class AsyncCompletion implements AsyncListener {

    private final AtomicBoolean failed = new AtomicBoolean();
    private final Consumer<Boolean> done;

    private AsyncCompletion(Consumer<Boolean> done) {
        this.done = done;
    }

    /** Calls {@code done} once {@code request}'s async processing completes (it must have been started). */
    public static void whenComplete(HttpServletRequest request, Consumer<Boolean> done) {
        request.getAsyncContext().addListener(new AsyncCompletion(done));
    }

    @Override
    public void onComplete(AsyncEvent event) {
        done.accept(!failed.get());
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        failed.set(true);
    }

    @Override
    public void onError(AsyncEvent event) {
        failed.set(true);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        event.getAsyncContext().addListener(this);
    }
}
