package io.tollgate.internal.redis;

import org.junit.jupiter.api.Test;
import org.redisson.api.RScript;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tollgate is compiled against one Redisson and runs on every supported one. Run by the build on each version
 * of the matrix (the redisson-matrix profile), this checks the running Redisson against what Tollgate names.
 */
class RedissonVersionsTest {

    /** The version the build put on the class path (none: the one Tollgate is compiled against). */
    private static final String EXPECTED = System.getProperty("tollgate.test.redissonVersion");

    private static final Pattern REFERENCE = Pattern.compile(
            "= (Methodref|InterfaceMethodref|Fieldref|Class)\\s+\\S+\\s+// (\\S+)$");

    @Test
    void theBuildRunsTheRedissonItMeans() {
        if (EXPECTED != null) {
            assertEquals(EXPECTED, RedissonVersions.VERSION);
        }
        if (Boolean.getBoolean("tollgate.test.redissonOldest")) {
            assertEquals(RedissonVersions.OLDEST, RedissonVersions.VERSION, "RedissonVersions.OLDEST is what the build tests as the oldest");
        }
    }

    @Test
    void scriptAnswersAreReadAsListsAndLongsOnEveryVersion() {
        Set<String> names = Arrays.stream(RScript.ReturnType.values()).map(Enum::name).collect(Collectors.toSet());
        assertTrue(names.contains(RedissonVersions.LIST.name()) && names.contains(RedissonVersions.LONG.name()));
        assertEquals(RedissonVersions.VERSION.startsWith("3.") ? "MULTI" : "LIST", RedissonVersions.LIST.name());
        assertEquals(RedissonVersions.VERSION.startsWith("3.") ? "INTEGER" : "LONG", RedissonVersions.LONG.name());
    }

    @Test
    void readOnlyAndMasterDownMeanRedisServesNoOneHoweverThisVersionReportsThem() {
        // before 3.27.1 / 3.42 Redisson reports them as a plain RedisException with Redis's error text
        assertEquals(BoundedCall.Outcome.DOWN, BoundedCall.classify(new org.redisson.client.RedisException(
                "READONLY You can't write against a read only replica.. channel: [id: 0x1]")));
        assertEquals(BoundedCall.Outcome.DOWN, BoundedCall.classify(new java.util.concurrent.CompletionException(
                new org.redisson.client.RedisException("MASTERDOWN Link with MASTER is down"))));
        assertEquals(BoundedCall.Outcome.KEY_ERROR, BoundedCall.classify(new org.redisson.client.RedisException(
                "ERR user_script:1: READONLY in a message")));
    }

    @Test
    void anErrorOnTheRedisPathFailsThatCallAloneAndIsUnexpected() {
        for (Throwable e : List.of(new NoSuchFieldError("LIST"), new NoSuchMethodError("releaseAsync"),
                new java.util.concurrent.CompletionException(new AbstractMethodError()), new NullPointerException())) {
            assertEquals(BoundedCall.Outcome.KEY_ERROR, BoundedCall.classify(e), e.toString());
            assertTrue(BoundedCall.unexpected(e), e.toString());
        }
        // Redis's own answers and Redisson's waiting are expected, however they end
        for (Throwable e : List.of(new org.redisson.client.RedisException("BUSY"), new java.util.concurrent.TimeoutException(),
                new java.util.concurrent.CancellationException(), new IllegalMonitorStateException())) {
            assertTrue(!BoundedCall.unexpected(e), e.toString());
        }
    }

    /**
     * Every class, method and field of Redisson (and Netty) that Tollgate's classes name exists in the Redisson
     * on the class path, with the same signature: a missing one is a {@code NoSuchMethodError} on some request.
     * Only {@link RedissonVersions} may name what some versions lack, behind a check made when it loads.
     */
    @Test
    void everyRedissonMemberTollgateNamesExistsInThisVersion() throws Exception {
        Path classes = classesDirectory();
        ToolProvider javap = ToolProvider.findFirst("javap").orElseThrow();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class"))
                    .filter(p -> !p.getFileName().toString().startsWith("RedissonVersions"))
                    .collect(Collectors.toList());
        }
        assertTrue(files.size() > 50, "found Tollgate's classes in " + classes);
        Set<String> missing = new TreeSet<>();
        int checked = 0;
        StringWriter out = new StringWriter();
        List<String> args = new ArrayList<>(List.of("-v"));
        files.forEach(f -> args.add(f.toString()));
        javap.run(new PrintWriter(out), new PrintWriter(new StringWriter()), args.toArray(new String[0]));
        String file = "?";
        for (String line : out.toString().split("\n")) {
            if (line.startsWith("Classfile ")) {
                file = line.substring(line.lastIndexOf('/') + 1);
                continue;
            }
            Matcher m = REFERENCE.matcher(line);
            if (!m.find()) {
                continue;
            }
            String target = m.group(2);
            if (!target.startsWith("org/redisson/") && !target.startsWith("io/netty/")) {
                continue;
            }
            checked++;
            String problem = resolve(m.group(1), target);
            if (problem != null) {
                missing.add(file + ": " + target + " (" + problem + ")");
            }
        }
        assertTrue(checked > 50, "checked " + checked + " references");
        assertEquals(Set.of(), missing, "Redisson " + RedissonVersions.VERSION);
    }

    private static Path classesDirectory() throws URISyntaxException {
        return Paths.get(RedissonVersions.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /** Null when {@code target} (javap's {@code owner.name:descriptor} or a class) exists here, else why not. */
    private static String resolve(String kind, String target) {
        ClassLoader loader = RScript.class.getClassLoader();
        try {
            if (kind.equals("Class")) {
                if (!target.startsWith("[")) {
                    Class.forName(target.replace('/', '.'), false, loader);
                }
                return null;
            }
            int dot = target.indexOf('.');
            int colon = target.indexOf(':');
            Class<?> owner = Class.forName(target.substring(0, dot).replace('/', '.'), false, loader);
            String name = target.substring(dot + 1, colon).replace("\"", "");
            String descriptor = target.substring(colon + 1);
            for (Class<?> type : supertypes(owner)) {
                if (kind.equals("Fieldref")) {
                    for (Field f : type.getDeclaredFields()) {
                        if (f.getName().equals(name) && descriptor(f.getType()).equals(descriptor)) {
                            return null;
                        }
                    }
                } else if (name.equals("<init>")) {
                    for (Constructor<?> c : type.getDeclaredConstructors()) {
                        if (type == owner && descriptor(c.getParameterTypes(), void.class).equals(descriptor)) {
                            return null;
                        }
                    }
                } else {
                    for (Method method : type.getDeclaredMethods()) {
                        if (method.getName().equals(name)
                                && descriptor(method.getParameterTypes(), method.getReturnType()).equals(descriptor)) {
                            return null;
                        }
                    }
                }
            }
            return "no such member";
        } catch (ClassNotFoundException | LinkageError e) {
            return "no class: " + e.getMessage();
        }
    }

    private static List<Class<?>> supertypes(Class<?> type) {
        List<Class<?>> all = new ArrayList<>();
        Deque<Class<?>> queue = new ArrayDeque<>(List.of(type, Object.class));
        while (!queue.isEmpty()) {
            Class<?> t = queue.poll();
            if (!all.contains(t)) {
                all.add(t);
                if (t.getSuperclass() != null) {
                    queue.add(t.getSuperclass());
                }
                queue.addAll(Arrays.asList(t.getInterfaces()));
            }
        }
        return all;
    }

    private static String descriptor(Class<?>[] parameters, Class<?> returned) {
        StringBuilder b = new StringBuilder("(");
        for (Class<?> p : parameters) {
            b.append(descriptor(p));
        }
        return b.append(')').append(descriptor(returned)).toString();
    }

    private static String descriptor(Class<?> type) {
        if (type.isArray()) {
            return "[" + descriptor(type.getComponentType());
        }
        if (!type.isPrimitive()) {
            return "L" + type.getName().replace('.', '/') + ";";
        }
        return String.valueOf("ZBCSIJFDV".charAt(Arrays.asList(boolean.class, byte.class, char.class, short.class,
                int.class, long.class, float.class, double.class, void.class).indexOf(type)));
    }
}
