package io.tollgate.internal.ratelimit;

import io.tollgate.Algorithm;
import io.tollgate.internal.config.SettingFormats;
import io.tollgate.internal.http.CoveredMethods;

import io.tollgate.internal.http.UrlPatterns;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The {@code rules} file: several named policies in one filter.
 *
 * <pre>{@code
 * {"rules": [
 *   {"name": "login", "match": {"paths": ["/login"], "methods": ["POST"]}, "limits": "5/1m", "key": "ip"},
 *   {"name": "api", "match": {"paths": ["/api/*"]}, "limits": "10/s, 1000/1h", "key": "header:X-Api-Key"},
 *   {"name": "quota", "limits": "1000000/1d", "key": "header:X-Api-Key", "algorithm": "token-bucket", "burst": 500}
 * ]}
 * }</pre>
 *
 * Every rule that matches a request applies to it. A rule without {@code match} covers every request;
 * one without {@code key} uses the filter's {@code key}, one without {@code algorithm} the filter's.
 */
final class RulesFile {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final List<String> TOP = Arrays.asList("rules");
    private static final List<String> RULE = Arrays.asList("name", "match", "limits", "key", "algorithm", "burst");
    private static final List<String> MATCH = Arrays.asList("paths", "methods");

    private RulesFile() {
    }

    /** Parses the file's text; throws {@link IllegalArgumentException} saying what and where is wrong. */
    static List<Policy> parse(String text, KeySpec defaultKey, Algorithm defaultAlgorithm) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("must hold a JSON object like {\"rules\": [...]}");
        }
        try {
            onlyFields(root, TOP);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the file " + e.getMessage());
        }
        JsonNode rules = root.get("rules");
        if (rules == null || !rules.isArray() || rules.size() == 0) {
            throw new IllegalArgumentException("must have a non-empty \"rules\" array");
        }
        List<Policy> policies = new ArrayList<>();
        Set<String> names = new HashSet<>();
        int index = 0;
        for (JsonNode rule : rules) {
            index++;
            String where = "rule " + index;
            try {
                if (!rule.isObject()) {
                    throw new IllegalArgumentException("must be a JSON object");
                }
                String name = text(rule, "name");
                if (name == null) {
                    throw new IllegalArgumentException("has no \"name\"");
                }
                where = where + " (\"" + name + "\")";
                onlyFields(rule, RULE);
                try {
                    Policy.checkName(name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("name " + e.getMessage());
                }
                if (!names.add(name)) {
                    throw new IllegalArgumentException("another rule has the same name");
                }
                String limitsText = text(rule, "limits");
                if (limitsText == null) {
                    throw new IllegalArgumentException("has no \"limits\" (like \"100/1m\")");
                }
                String algorithmText = text(rule, "algorithm");
                Algorithm algorithm;
                try {
                    algorithm = algorithmText == null ? defaultAlgorithm : SettingFormats.keyword(algorithmText, Algorithm.class);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("algorithm [" + algorithmText + "] " + e.getMessage());
                }
                List<Limit> limits = Limit.parseAll(limitsText, algorithm);
                String burstText = textOrNumber(rule, "burst");
                try {
                    limits = Limit.policyLimits(limitsText, algorithm, burstText);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("\"burst\" " + e.getMessage());
                }
                String keyText = text(rule, "key");
                KeySpec key = keyText == null ? defaultKey : KeySpec.parse(keyText);
                UrlPatterns paths = null;
                CoveredMethods methods = null;
                JsonNode match = rule.get("match");
                if (match != null && !match.isNull()) {
                    if (!match.isObject()) {
                        throw new IllegalArgumentException("\"match\" must be an object with paths and methods");
                    }
                    try {
                        onlyFields(match, MATCH);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("\"match\" " + e.getMessage());
                    }
                    List<String> p = strings(match, "paths");
                    if (p != null) {
                        paths = UrlPatterns.of(p);
                    }
                    List<String> m = strings(match, "methods");
                    if (m != null) {
                        methods = CoveredMethods.of(m);
                    }
                }
                policies.add(new Policy(name, limits, key, paths, methods));
            } catch (IllegalArgumentException e) {
                String message = e.getMessage();
                boolean verb = message.startsWith("has ") || message.equals("must be a JSON object");
                throw new IllegalArgumentException(where + (verb ? " " : ": ") + message);
            }
        }
        return policies;
    }

    private static void onlyFields(JsonNode node, List<String> allowed) {
        Iterator<String> fields = node.fieldNames();
        while (fields.hasNext()) {
            String field = fields.next();
            if (!allowed.contains(field)) {
                throw new IllegalArgumentException("has an unknown field [" + field + "]; fields are "
                        + String.join(", ", allowed));
            }
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException("\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static String textOrNumber(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isIntegralNumber() ? value.asText() : text(node, field);
    }

    private static List<String> strings(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.size() == 0) {
            throw new IllegalArgumentException("\"" + field + "\" must be a non-empty array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode item : value) {
            if (!item.isTextual()) {
                throw new IllegalArgumentException("\"" + field + "\" must be a non-empty array of strings");
            }
            out.add(item.asText().trim());
        }
        return out;
    }
}
