package io.tollgate.internal.ratelimit.engine;

import io.tollgate.testing.RedisServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Every limiter script run on one key, in the order Redis ran them and at Redis's time, read from
 * {@code MONITOR}: what an exact reference model needs to decide the same requests in the same order.
 */
final class ScriptCallLog implements AutoCloseable {

    /** One script run: when (Redis clock, microseconds since the epoch) and its arguments after the key. */
    record Run(long micros, boolean batch, List<String> args) {
    }

    private static final Pattern LINE = Pattern.compile("^\\+(\\d+)\\.(\\d{6}) \\[\\d+ [^\\]]+\\] (.*)$");

    private final Socket socket;
    private final Thread reader;
    private final ConcurrentLinkedQueue<Run> runs = new ConcurrentLinkedQueue<>();
    private final String key;
    private final String batchSha;

    ScriptCallLog(RedisServer redis, String key, String batchScript) throws IOException {
        this.key = key;
        this.batchSha = sha1(batchScript);
        socket = new Socket(redis.host(), redis.port());
        OutputStream out = socket.getOutputStream();
        out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String ok = in.readLine();
        if (!"+OK".equals(ok)) {
            throw new IOException("MONITOR answered " + ok);
        }
        reader = new Thread(() -> {
            try {
                for (String line; (line = in.readLine()) != null; ) {
                    parse(line);
                }
            } catch (IOException e) {
                // closed at the end of the test
            }
        }, "monitor-" + key);
        reader.setDaemon(true);
        reader.start();
    }

    private void parse(String line) {
        if (!line.contains("\"evalsha\"") && !line.contains("\"EVALSHA\"")) {
            return; // e.g. SCRIPT LOAD with the whole script: not a run
        }
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            return;
        }
        List<String> args = quoted(m.group(3));
        // "evalsha" sha numkeys key args... (commands run inside scripts are reported as from "lua": not evalsha)
        if (args.size() < 4 || !args.get(0).equalsIgnoreCase("evalsha") || !args.get(3).equals(key)) {
            return;
        }
        long micros = Long.parseLong(m.group(1)) * 1_000_000 + Long.parseLong(m.group(2));
        runs.add(new Run(micros, args.get(1).equalsIgnoreCase(batchSha), List.copyOf(args.subList(4, args.size()))));
    }

    /** The quoted arguments of a MONITOR line ({@code "a" "b\\"c"}), escapes left as they are. */
    private static List<String> quoted(String text) {
        List<String> args = new ArrayList<>();
        StringBuilder arg = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (arg == null) {
                if (c == '"') {
                    arg = new StringBuilder();
                }
            } else if (c == '\\' && i + 1 < text.length()) {
                arg.append(c).append(text.charAt(++i));
            } else if (c == '"') {
                args.add(arg.toString());
                arg = null;
            } else {
                arg.append(c);
            }
        }
        return args;
    }

    /** The runs seen so far, in Redis's order. */
    List<Run> runs() {
        return new ArrayList<>(runs);
    }

    private static String sha1(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
