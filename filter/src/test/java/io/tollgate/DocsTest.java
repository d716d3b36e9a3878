package io.tollgate;

import io.tollgate.internal.submit.DoubleSubmitSettings;
import io.tollgate.internal.ratelimit.RateLimitSettings;
import io.tollgate.internal.config.SharedSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Keeps docs/configuration.md and the init-param constants in step: every param, every default. */
class DocsTest {

    private static final Path DOCS = Paths.get("..", "docs");
    private static final Pattern ROW = Pattern.compile("^\\| `([A-Za-z][A-Za-z0-9]*)` \\| ([^|]*) \\|", Pattern.MULTILINE);

    /** The rows of every param table in one {@code ## section} of a doc: name to default column. */
    static Map<String, String> params(String doc, String section) throws IOException {
        String text = Files.readString(DOCS.resolve(doc));
        int start = text.indexOf("\n## " + section + "\n");
        assertTrue(start >= 0, doc + " has no section ## " + section);
        int end = text.indexOf("\n## ", start + 1);
        String body = text.substring(start, end < 0 ? text.length() : end);
        Map<String, String> rows = new LinkedHashMap<>();
        Matcher m = ROW.matcher(body);
        while (m.find()) {
            rows.put(m.group(1), m.group(2).trim());
        }
        return rows;
    }

    /** DEFAULT_X constants of a class, keyed by the value of the matching PARAM_X constant. */
    static Map<String, String> defaults(Class<?> type) throws IllegalAccessException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getName().startsWith("DEFAULT_")) {
                try {
                    Field param = type.getField("PARAM_" + f.getName().substring("DEFAULT_".length()));
                    out.put((String) param.get(null), (String) f.get(null));
                } catch (NoSuchFieldException e) {
                    throw new AssertionError(type.getSimpleName() + "." + f.getName() + " has no PARAM_ constant");
                }
            }
        }
        return out;
    }

    static void assertDocumented(String doc, String section, List<String> names, Map<String, String> defaults)
            throws IOException {
        Map<String, String> rows = params(doc, section);
        assertEquals(new java.util.TreeSet<>(names), new java.util.TreeSet<>(rows.keySet()),
                doc + " ## " + section + " must document exactly the params the code takes");
        for (Map.Entry<String, String> d : defaults.entrySet()) {
            assertEquals("`" + d.getValue() + "`", rows.get(d.getKey()),
                    doc + ": default of " + d.getKey());
        }
    }

    @Test
    void sharedSettingsAreDocumentedWithTheirDefaults() throws Exception {
        assertDocumented("configuration.md", "Shared settings", SharedSettings.NAMES, defaults(Tollgate.class));
    }

    @Test
    void rateLimitFilterParamsAreDocumentedWithTheirDefaults() throws Exception {
        assertDocumented("configuration.md", "RateLimitFilter", RateLimitSettings.NAMES,
                defaults(RateLimitFilter.class));
    }

    @Test
    void doubleSubmitFilterParamsAreDocumentedWithTheirDefaults() throws Exception {
        assertDocumented("configuration.md", "DoubleSubmitFilter", DoubleSubmitSettings.NAMES,
                defaults(DoubleSubmitFilter.class));
        assertDocumented("double-submit.md", "Settings", DoubleSubmitSettings.NAMES,
                defaults(DoubleSubmitFilter.class));
    }

    @Test
    void everyPublicParamConstantIsATakenName() throws Exception {
        Map<Class<?>, List<String>> taken = Map.of(Tollgate.class, SharedSettings.NAMES,
                RateLimitFilter.class, RateLimitSettings.NAMES, DoubleSubmitFilter.class, DoubleSubmitSettings.NAMES);
        for (Map.Entry<Class<?>, List<String>> e : taken.entrySet()) {
            for (Field f : e.getKey().getFields()) {
                if (f.getName().startsWith("PARAM_")) {
                    String name = (String) f.get(null);
                    assertTrue(e.getValue().contains(name), e.getKey().getSimpleName() + "." + f.getName() + " = "
                            + name + " is not a setting the code reads");
                }
            }
        }
    }

    @Test
    void readmeLinksEveryDoc() throws Exception {
        String readme = Files.readString(Paths.get("..", "README.md"));
        try (var docs = Files.list(DOCS)) {
            docs.filter(p -> p.toString().endsWith(".md")).forEach(p ->
                    assertTrue(readme.contains("docs/" + p.getFileName()), "README does not link docs/" + p.getFileName()));
        }
    }
}
