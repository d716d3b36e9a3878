package io.tollgate.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Context switches of the server side so far (Linux only: {@code /proc/self/task/*&#47;status}, voluntary
 * and involuntary), summed over every thread of this JVM but the load generator's: a thread that parks on a
 * future or a contended lock and is woken again switches twice. 0 where {@code /proc} is missing.
 */
final class ContextSwitches {

    private static final Path TASKS = Path.of("/proc/self/task");
    /** The load generator's threads, by the kernel's name of them (15 characters at most). */
    private static final String LOAD = HttpLoad.THREAD_PREFIX.substring(0, Math.min(15, HttpLoad.THREAD_PREFIX.length()));

    private ContextSwitches() {
    }

    static long sum() {
        if (!Files.isDirectory(TASKS)) {
            return 0;
        }
        long sum = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                sum += switches(task);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + TASKS, e);
        }
        return sum;
    }

    private static long switches(Path task) {
        try {
            if (Files.readString(task.resolve("comm")).startsWith(LOAD)) {
                return 0;
            }
            long n = 0;
            for (String line : Files.readAllLines(task.resolve("status"))) {
                if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                    n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                }
            }
            return n;
        } catch (IOException e) {
            return 0; // the thread ended meanwhile
        }
    }
}
