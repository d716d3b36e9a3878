package io.tollgate.bench;

import jakarta.servlet.Filter;

import java.util.Map;

/**
 * One thing measured: a webapp context ({@code /NAME/}) with at most one filter, configured with
 * init-params as web.xml would, and how the load calls it.
 *
 * @param filter     null for the no-filter baseline
 * @param post       POST with a unique body per request (else GET)
 * @param oneClient  every connection is the same client (else each is its own)
 * @param systemProperties set while the variant's filter starts (the combiner's measurement switches)
 */
record Variant(String name, String description, Class<? extends Filter> filter, Map<String, String> initParams,
        boolean post, boolean oneClient, Map<String, String> systemProperties) {

    Variant(String name, String description, Class<? extends Filter> filter, Map<String, String> initParams,
            boolean post, boolean oneClient) {
        this(name, description, filter, initParams, post, oneClient, Map.of());
    }

    String path() {
        return "/" + name + "/";
    }
}
