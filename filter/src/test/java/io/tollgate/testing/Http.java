package io.tollgate.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Real HTTP requests to a {@link TestApp}, with timeouts so that nothing hangs. */
public final class Http {

    public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(20);

    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private Http() {
    }

    /** GET with headers given as name, value, name, value... */
    public static HttpResponse<String> get(URI uri, String... headers) throws IOException, InterruptedException {
        return send(request(uri, headers).GET().build());
    }

    public static HttpResponse<String> post(URI uri, String body, String... headers)
            throws IOException, InterruptedException {
        return send(request(uri, headers).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public static HttpRequest.Builder request(URI uri, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    public static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** Sends every request at once and waits (bounded) for every answer. */
    public static List<HttpResponse<String>> sendAll(List<HttpRequest> requests) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (HttpRequest r : requests) {
            futures.add(CLIENT.sendAsync(r, HttpResponse.BodyHandlers.ofString()));
        }
        CompletableFuture.allOf(futures.toArray(new CompletableFuture[0]))
                .get(REQUEST_TIMEOUT.toSeconds() * 2, TimeUnit.SECONDS);
        List<HttpResponse<String>> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : futures) {
            out.add(f.get());
        }
        return out;
    }
}
