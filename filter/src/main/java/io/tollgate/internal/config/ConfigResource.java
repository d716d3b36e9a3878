package io.tollgate.internal.config;

import jakarta.servlet.ServletContext;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * A configuration file named by a setting: {@code /WEB-INF/x} (a webapp resource), {@code classpath:x}
 * or {@code file:/path}.
 */
public final class ConfigResource {

    static final String RULE = "must be /WEB-INF/name (in the webapp), classpath:name or file:/path";
    private static final int MAX_BYTES = 1 << 20;

    private ConfigResource() {
    }

    static void checkSyntax(String location) {
        boolean ok = (location.startsWith("/") && location.length() > 1)
                || (location.startsWith("classpath:") && location.length() > "classpath:".length())
                || (location.startsWith("file:") && location.length() > "file:".length());
        if (!ok) {
            throw new IllegalArgumentException(RULE);
        }
    }

    /** Reads the file as UTF-8 text; throws {@link IllegalArgumentException} when it cannot be read. */
    public static String read(ServletContext context, String location) {
        checkSyntax(location);
        try (InputStream in = open(context, location)) {
            if (in == null) {
                throw new IllegalArgumentException("no such file");
            }
            byte[] bytes = in.readNBytes(MAX_BYTES + 1);
            if (bytes.length > MAX_BYTES) {
                throw new IllegalArgumentException("file is larger than 1MB");
            }
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("no such file");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot be read: " + e);
        }
    }

    private static InputStream open(ServletContext context, String location) throws IOException {
        if (location.startsWith("classpath:")) {
            String name = location.substring("classpath:".length());
            name = name.startsWith("/") ? name.substring(1) : name;
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            InputStream in = loader == null ? null : loader.getResourceAsStream(name);
            return in != null ? in : ConfigResource.class.getClassLoader().getResourceAsStream(name);
        }
        if (location.startsWith("file:")) {
            String file = location.substring("file:".length());
            Path path = file.startsWith("//") ? Paths.get(java.net.URI.create(location)) : Paths.get(file);
            return Files.newInputStream(path);
        }
        return context == null ? null : context.getResourceAsStream(location);
    }
}
