package io.tollgate.internal.http;

import jakarta.servlet.http.HttpServletRequest;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * The client's IP address. The connecting peer is believed; its {@code X-Forwarded-For} (or
 * {@code Forwarded}) header only when the peer is a trusted proxy, and then the client is the right-most
 * address in the header that is not itself a trusted proxy. An address a client writes into the header
 * itself therefore never counts: it stands left of the one the proxy appended.
 *
 * <p>An IPv6 client is named by its {@code ipv6Prefix} network ({@code 2001:db8:0:0:0:0:0:0/64}): one
 * subscriber is usually given a whole /64, and rotating addresses inside it must not mint new budgets.
 */
public final class ClientIpResolver {

    /** Header read by default: {@value}. */
    public static final String DEFAULT_HEADER = "X-Forwarded-For";

    private final List<IpRange> trusted;
    private final String header;
    private final boolean rfc7239;
    private final int ipv6Prefix;

    public ClientIpResolver(List<IpRange> trusted, String header, int ipv6Prefix) {
        this.trusted = Collections.unmodifiableList(new ArrayList<>(trusted));
        this.header = header;
        this.rfc7239 = header.equalsIgnoreCase("Forwarded");
        this.ipv6Prefix = ipv6Prefix;
    }

    /** Checks an {@code ipv6Prefix} value. */
    public static int checkIpv6Prefix(String text) {
        int bits;
        try {
            bits = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            bits = -1;
        }
        if (bits < 32 || bits > 128) {
            throw new IllegalArgumentException("must be a prefix length from 32 to 128 (64 is one subscriber's"
                    + " allocation; 128 keys every address on its own)");
        }
        return bits;
    }

    /** Checks a {@code clientIpHeader} value. */
    public static String checkHeader(String name) {
        if (!HttpToken.isToken(name)) {
            throw new IllegalArgumentException("must be an HTTP header name like X-Forwarded-For or Forwarded");
        }
        return name;
    }

    /**
     * The client, as it is keyed: an IPv4 address, or an IPv6 address's {@code ipv6Prefix} network
     * ({@code 2001:db8:0:0:0:0:0:0/64}; the address itself when the prefix is 128).
     */
    public String resolve(HttpServletRequest request) {
        return keyed(address(request));
    }

    private String keyed(String address) {
        if (ipv6Prefix >= 128 || address.indexOf(':') < 0) {
            return address;
        }
        byte[] bytes = IpRange.literal(address);
        return bytes == null || bytes.length != 16 ? address
                : canonical(IpRange.mask(bytes, ipv6Prefix)) + "/" + ipv6Prefix;
    }

    /** The client IP, in canonical text form. */
    String address(HttpServletRequest request) {
        String remote = request.getRemoteAddr();
        byte[] remoteBytes = IpRange.literal(strip(remote));
        String last = remoteBytes == null ? remote : canonical(remoteBytes);
        if (trusted.isEmpty() || !isTrusted(remoteBytes)) {
            return last;
        }
        List<String> hops = hops(request.getHeaders(header));
        for (int i = hops.size() - 1; i >= 0; i--) {
            byte[] bytes = IpRange.literal(rfc7239 ? forwardedFor(hops.get(i)) : strip(hops.get(i)));
            if (bytes == null) {
                return last; // not an address: nothing left of it can be believed
            }
            last = canonical(bytes);
            if (!isTrusted(bytes)) {
                return last;
            }
        }
        return last;
    }

    private boolean isTrusted(byte[] address) {
        for (IpRange range : trusted) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static List<String> hops(Enumeration<String> values) {
        List<String> hops = new ArrayList<>();
        if (values == null) {
            return hops;
        }
        while (values.hasMoreElements()) {
            String value = values.nextElement();
            if (value == null) {
                continue;
            }
            for (String hop : value.split(",")) {
                String h = hop.trim();
                if (!h.isEmpty()) {
                    hops.add(h);
                }
            }
        }
        return hops;
    }

    /** The {@code for=} node of one RFC 7239 element, without quotes, brackets or port. */
    static String forwardedFor(String element) {
        for (String pair : element.split(";")) {
            String p = pair.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("for")) {
                String node = p.substring(eq + 1).trim();
                if (node.length() >= 2 && node.startsWith("\"") && node.endsWith("\"")) {
                    node = node.substring(1, node.length() - 1);
                }
                return strip(node);
            }
        }
        return null;
    }

    /** Removes IPv6 brackets and a port: {@code [::1]:80} gives {@code ::1}, {@code 1.2.3.4:80} gives {@code 1.2.3.4}. */
    static String strip(String node) {
        if (node == null) {
            return null;
        }
        String n = node.trim();
        if (n.startsWith("[")) {
            int end = n.indexOf(']');
            return end < 0 ? null : n.substring(1, end);
        }
        int colon = n.indexOf(':');
        if (colon >= 0 && colon == n.lastIndexOf(':') && n.indexOf('.') >= 0) {
            return n.substring(0, colon);
        }
        return n;
    }

    static String canonical(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen: 4 or 16 bytes
        }
    }
}
