package io.tollgate.demo.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.testing.Http;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The answers every container must give, asserted the same way by each contract suite. */
final class Contract {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Contract() {
    }

    /** A rejection by {@code policy}: 429, Retry-After, and a problem+json body naming the policy. */
    static void assertRejectedBy(String policy, HttpResponse<String> rejected) throws Exception {
        assertEquals(429, rejected.statusCode());
        assertTrue(Long.parseLong(rejected.headers().firstValue("Retry-After").orElse("0")) >= 1);
        assertEquals("application/problem+json", rejected.headers().firstValue("Content-Type").orElse(""));
        JsonNode problem = JSON.readTree(rejected.body());
        assertEquals(429, problem.get("status").asInt());
        assertEquals(policy, problem.get("policy").asText());
    }

    /** Five identical submits at once: one is created (201), four are rejected as duplicates (409). */
    static void assertOneOfFiveIdenticalSubmitsRuns(URI uri, String body) throws Exception {
        List<HttpRequest> five = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            five.add(Http.request(uri, "Content-Type", "text/plain")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        }
        List<HttpResponse<String>> answers = Http.sendAll(five);
        assertEquals(1, answers.stream().filter(r -> r.statusCode() == 201).count());
        assertEquals(4, answers.stream().filter(r -> r.statusCode() == 409).count());
    }
}
