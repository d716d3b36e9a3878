package io.tollgate.bench;

import io.tollgate.testing.Resp;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redis's own count of the commands it ran ({@code INFO commandstats}), commands run inside scripts
 * included. {@code PING} (connection keep-alives) and {@code INFO} (this benchmark asking) are left out.
 */
final class CommandStats {

    private static final Pattern CALLS = Pattern.compile("cmdstat_([a-z_|]+):calls=(\\d+)");

    /** Calls per command name (lower case, as Redis names them). */
    final Map<String, Long> calls;

    private CommandStats(Map<String, Long> calls) {
        this.calls = calls;
    }

    static CommandStats read(Resp redis) throws IOException {
        Map<String, Long> calls = new TreeMap<>();
        Matcher m = CALLS.matcher((String) redis.call("INFO", "commandstats"));
        while (m.find()) {
            if (!m.group(1).equals("ping") && !m.group(1).equals("info")) {
                calls.put(m.group(1), Long.parseLong(m.group(2)));
            }
        }
        return new CommandStats(calls);
    }

    CommandStats minus(CommandStats before) {
        return new CommandStats(Tally.minus(calls, before.calls));
    }
}
