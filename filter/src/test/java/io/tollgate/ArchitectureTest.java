package io.tollgate;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/architecture.md's layer drawing (its {@code layers} block) is the rule, and the sources keep it: a
 * package uses only packages drawn below it; the public enums the drawing names are the only public
 * types {@code internal} may use; every package is drawn; every internal package says it is not API and
 * holds at most 15 files. An import scan (imports and qualified names in code, comments and strings left
 * out), as DocsTest scans the docs.
 */
class ArchitectureTest {

    private static final Path SOURCES = Paths.get("src", "main", "java");
    private static final Path DRAWING = Paths.get("..", "docs", "architecture.md");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.tollgate((?:\\.[a-z]\\w*)*)\\.([A-Z]\\w*)");

    /** The drawing: each package's layer, top (0) to bottom, and the types any layer may use. */
    static final class Drawing {
        final Map<String, Integer> layers = new LinkedHashMap<>();
        final Set<String> everywhere = new TreeSet<>();
    }

    static Drawing drawing() throws IOException {
        String text = Files.readString(DRAWING);
        int start = text.indexOf("```layers\n");
        assertTrue(start >= 0, "architecture.md has no ```layers block");
        int end = text.indexOf("```", start + 10);
        Drawing d = new Drawing();
        int layer = 0;
        for (String line : text.substring(start + 10, end).split("\n")) {
            String l = line.trim();
            if (l.isEmpty() || l.startsWith("↓") || l.startsWith("│")) {
                continue;
            }
            if (l.startsWith("everywhere:")) {
                for (String type : l.substring("everywhere:".length()).trim().split("\\s+")) {
                    d.everywhere.add(qualified(type));
                }
                continue;
            }
            for (String pkg : l.split("\\s+")) {
                d.layers.put(qualified(pkg), layer);
            }
            layer++;
        }
        return d;
    }

    private static String qualified(String name) {
        return name.startsWith("io.tollgate") ? name : "io.tollgate." + name;
    }

    /** A source without its comments and string and char literals: what is left is code. */
    static String code(String source) {
        StringBuilder out = new StringBuilder(source.length());
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (source.startsWith("/*", i)) {
                int e = source.indexOf("*/", i + 2);
                i = e < 0 ? source.length() : e + 2;
            } else if (source.startsWith("//", i)) {
                int e = source.indexOf('\n', i);
                i = e < 0 ? source.length() : e;
            } else if (c == '"' || c == '\'') {
                if (source.startsWith("\"\"\"", i)) {
                    int e = source.indexOf("\"\"\"", i + 3);
                    i = e < 0 ? source.length() : e + 3;
                    continue;
                }
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != c) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                i = j + 1;
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(SOURCES)) {
            return files.filter(p -> p.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
    }

    private static String packageOf(Path source) {
        return SOURCES.relativize(source.getParent()).toString().replace(source.getFileSystem().getSeparator(), ".");
    }

    /** Every reference from one package to a type of another that the drawing does not allow. */
    static List<String> violations(Drawing d) throws IOException {
        List<String> out = new ArrayList<>();
        for (Path source : sources()) {
            String from = packageOf(source);
            if (source.getFileName().toString().equals("module-info.java")) {
                continue;
            }
            Integer fromLayer = d.layers.get(from);
            if (fromLayer == null) {
                out.add(from + " is not in architecture.md's layers drawing");
                continue;
            }
            Matcher m = REFERENCE.matcher(code(Files.readString(source)));
            Set<String> seen = new TreeSet<>();
            while (m.find()) {
                String to = "io.tollgate" + m.group(1);
                String type = to + "." + m.group(2);
                if (to.equals(from) || d.everywhere.contains(type) || !seen.add(type)) {
                    continue;
                }
                Integer toLayer = d.layers.get(to);
                if (toLayer == null || toLayer <= fromLayer) {
                    out.add(source.getFileName() + " (" + from + ") uses " + type + ": arrows point down only,"
                            + " and " + to + " is " + (toLayer == null ? "not drawn" : "not below " + from)
                            + " in architecture.md's layers");
                }
            }
        }
        return out;
    }

    @Test
    void everyPackageUsesOnlyWhatIsDrawnBelowItAndInternalOnlyThePublicEnums() throws IOException {
        assertEquals(List.of(), violations(drawing()));
    }

    @Test
    void theDrawingNamesOnlyPackagesThatExistAndEnumsThatArePublicEnums() throws Exception {
        Drawing d = drawing();
        Set<String> packages = new TreeSet<>();
        for (Path source : sources()) {
            packages.add(packageOf(source));
        }
        assertEquals(packages, new TreeSet<>(d.layers.keySet()));
        for (String type : d.everywhere) {
            Class<?> c = Class.forName(type);
            assertTrue(c.isEnum() && java.lang.reflect.Modifier.isPublic(c.getModifiers()), type);
        }
    }

    @Test
    void everyInternalPackageSaysItIsNotApiAndHoldsAtMost15Files() throws IOException {
        for (String pkg : drawing().layers.keySet()) {
            Path dir = SOURCES.resolve(pkg.replace('.', '/'));
            Path info = dir.resolve("package-info.java");
            assertTrue(Files.exists(info), pkg + " has no package-info");
            if (pkg.startsWith("io.tollgate.internal")) {
                assertTrue(Files.readString(info).contains("<b>Not API:</b>"), pkg + "'s package-info must say it is not API");
                try (Stream<Path> files = Files.list(dir)) {
                    long n = files.filter(Files::isRegularFile).count();
                    assertTrue(n <= 15, pkg + " holds " + n + " files");
                }
            }
        }
    }
}
