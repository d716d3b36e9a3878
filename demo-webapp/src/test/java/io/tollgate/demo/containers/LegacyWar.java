package io.tollgate.demo.containers;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A legacy WAR made by hand from a release bundle, as a user without Maven makes it: the bundle's sample
 * {@code web.xml} with one servlet added, that servlet compiled against the container's servlet API, and
 * the bundle's {@code lib/} as {@code WEB-INF/lib}. No dependency resolution is involved.
 */
final class LegacyWar {

    private LegacyWar() {
    }

    /** {@code tollgate-VERSION-jakarta.zip} or {@code tollgate-VERSION-javax.zip}, as {@code mvn package} made it. */
    static Path bundle(boolean javax) throws IOException {
        Path zip = Paths.get(System.getProperty("tollgate.bundles", "../filter/target"))
                .resolve("tollgate-" + System.getProperty("tollgate.version") + (javax ? "-javax" : "-jakarta") + ".zip");
        if (!Files.isRegularFile(zip)) {
            throw new IOException("no " + zip + ": mvn package of the filter makes it");
        }
        return zip;
    }

    /** The bundle's files, by their path below the bundle's top folder ({@code lib/x.jar}, {@code web.xml}). */
    static List<String> entries(Path bundle) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(bundle))) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                if (!e.isDirectory()) {
                    names.add(e.getName().substring(e.getName().indexOf('/') + 1));
                }
            }
        }
        return names;
    }

    /**
     * Writes the webapp for {@code kind} as a folder {@code dir} (an exploded WAR), with the bundle's
     * {@code lib/optional/} SLF4J provider (INSTALL.md: for a webapp that has none).
     */
    static Path explode(Container.Kind kind, Path dir) throws IOException {
        return explode(kind, dir, true);
    }

    /** As {@link #explode(Container.Kind, Path)}; without {@code lib/optional/} unless {@code optional}. */
    static Path explode(Container.Kind kind, Path dir, boolean optional) throws IOException {
        return explode(kind, dir, optional, null);
    }

    /**
     * As {@link #explode(Container.Kind, Path, boolean)}; with {@code appRedisson} (a folder of jars), a WAR
     * that already ships Redisson: its own servlet ({@code /own}) uses those jars, and from the bundle's
     * {@code lib/} it takes only what INSTALL.md says to copy then: {@code tollgate-filter}.
     */
    static Path explode(Container.Kind kind, Path dir, boolean optional, Path appRedisson) throws IOException {
        Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
        Path lib = Files.createDirectories(webInf.resolve("lib"));
        try (ZipInputStream zin = new ZipInputStream(Files.newInputStream(bundle(kind.javax)))) {
            for (ZipEntry e; (e = zin.getNextEntry()) != null; ) {
                String name = e.getName().substring(e.getName().indexOf('/') + 1);
                if (name.startsWith("lib/optional/") && name.endsWith(".jar")) {
                    if (optional) {
                        Files.copy(zin, lib.resolve(name.substring("lib/optional/".length())));
                    }
                } else if (name.startsWith("lib/") && name.endsWith(".jar")) {
                    String jar = name.substring("lib/".length());
                    if (appRedisson == null || jar.startsWith("tollgate-filter-")) {
                        Files.copy(zin, lib.resolve(jar));
                    }
                } else if (name.equals("web.xml")) {
                    String xml = new String(zin.readAllBytes(), StandardCharsets.UTF_8);
                    String servlet = "<servlet><servlet-name>app</servlet-name>"
                            + "<servlet-class>legacy.LegacyServlet</servlet-class></servlet>\n"
                            + "  <servlet-mapping><servlet-name>app</servlet-name>"
                            + "<url-pattern>/</url-pattern></servlet-mapping>";
                    if (appRedisson != null) {
                        servlet += "\n  <servlet><servlet-name>own</servlet-name>"
                                + "<servlet-class>legacy.LegacyRedisServlet</servlet-class></servlet>\n"
                                + "  <servlet-mapping><servlet-name>own</servlet-name>"
                                + "<url-pattern>/own</url-pattern></servlet-mapping>";
                    }
                    if (!xml.contains("<!-- your servlets -->")) {
                        throw new IOException("the bundle's web.xml has no '<!-- your servlets -->' line");
                    }
                    Files.writeString(webInf.resolve("web.xml"), xml.replace("<!-- your servlets -->", servlet));
                }
            }
        }
        List<Path> appJars = new ArrayList<>();
        if (appRedisson != null) {
            try (Stream<Path> jars = Files.list(appRedisson)) {
                for (Path jar : jars.filter(j -> j.toString().endsWith(".jar")).collect(Collectors.toList())) {
                    appJars.add(Files.copy(jar, lib.resolve(jar.getFileName())));
                }
            }
            if (appJars.isEmpty()) {
                throw new IOException("no jars in " + appRedisson + ": the build copies them there (mvn verify)");
            }
        }
        Path classes = Files.createDirectories(webInf.resolve("classes"));
        compileServlet(kind, classes, "LegacyServlet", List.of());
        if (appRedisson != null) {
            compileServlet(kind, classes, "LegacyRedisServlet", appJars);
        }
        return dir;
    }

    /** The Redisson 3.x jars of a legacy app that already has Redisson, as the build copied them. */
    static Path appRedisson3() {
        return Paths.get(System.getProperty("tollgate.legacyApp.redisson3", "target/legacy-app/redisson-3"));
    }

    /** The same webapp as a {@code .war} file. */
    static Path war(Container.Kind kind, Path work) throws IOException {
        return war(kind, work, null);
    }

    /** As {@link #explode(Container.Kind, Path, boolean, Path)} (with the SLF4J provider), as a {@code .war} file. */
    static Path war(Container.Kind kind, Path work, Path appRedisson) throws IOException {
        Path dir = explode(kind, work.resolve("legacy"), true, appRedisson);
        Path war = work.resolve("legacy.war");
        try (OutputStream os = Files.newOutputStream(war); ZipOutputStream zout = new ZipOutputStream(os);
             Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
                zout.putNextEntry(new ZipEntry(dir.relativize(f).toString().replace('\\', '/')));
                Files.copy(f, zout);
                zout.closeEntry();
            }
        }
        return war;
    }

    private static void compileServlet(Container.Kind kind, Path classes, String name, List<Path> libs)
            throws IOException {
        String source;
        try (InputStream in = LegacyWar.class.getResourceAsStream("/legacy-app/" + name + ".java")) {
            source = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (kind.javax) {
            source = source.replace("jakarta.servlet", "javax.servlet");
        }
        Path src = Files.createDirectories(classes.resolveSibling("src/legacy")).resolve(name + ".java");
        Files.writeString(src, source);
        List<String> classpath = new ArrayList<>();
        try (Stream<Path> jars = Files.list(kind.jars())) {
            jars.map(Path::toString).forEach(classpath::add);
        }
        libs.forEach(l -> classpath.add(l.toString()));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int rc = javac.run(null, errors, errors, "--release", "11", "-classpath",
                String.join(java.io.File.pathSeparator, classpath), "-d", classes.toString(), src.toString());
        if (rc != 0) {
            throw new IOException("javac failed: " + errors.toString(StandardCharsets.UTF_8));
        }
        deleteTree(src.getParent().getParent());
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.delete(p);
            }
        }
    }
}
