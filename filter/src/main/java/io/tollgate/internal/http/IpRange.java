package io.tollgate.internal.http;

import io.tollgate.internal.config.SettingFormats;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** An IP address or CIDR block (IPv4 or IPv6), given literally: host names are never looked up. */
public final class IpRange {

    static final String RULE = "must be IP addresses or CIDR blocks like 10.0.0.0/8, 192.168.1.7 or fd00::/8,"
            + " separated by commas";

    private final byte[] network;
    private final int prefixLength;
    private final String text;

    private IpRange(byte[] network, int prefixLength, String text) {
        this.network = network;
        this.prefixLength = prefixLength;
        this.text = text;
    }

    /** Parses {@code 10.0.0.0/8}, {@code 192.168.1.7}, {@code ::1}, {@code fd00::/8}. */
    public static IpRange parse(String text) {
        String t = text.trim();
        int slash = t.indexOf('/');
        String address = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = literal(address);
        if (bytes == null) {
            throw new IllegalArgumentException("[" + t + "] " + RULE);
        }
        if (bytes.length == 4 && address.indexOf(':') >= 0) {
            bytes = convert(bytes, 16); // ::ffff:a.b.c.d/96 is an IPv6 range; Java reads the address as IPv4
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("[" + t + "] has a prefix length outside 0.." + bits);
            }
        }
        return new IpRange(mask(bytes, prefix), prefix, t);
    }

    /** Parses a comma-separated list of addresses and CIDR blocks. */
    public static java.util.List<IpRange> parseAll(String text) {
        java.util.List<IpRange> out = new java.util.ArrayList<>();
        for (String item : SettingFormats.list(text)) {
            out.add(parse(item));
        }
        return out;
    }

    /**
     * The bytes of an IP literal, or null when {@code text} is not one. Only literals reach
     * {@link InetAddress}, so no DNS lookup ever happens.
     */
    static byte[] literal(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') >= 0) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
                    return null;
                }
            }
            try {
                return InetAddress.getByName(text).getAddress();
            } catch (UnknownHostException | RuntimeException e) {
                return null;
            }
        }
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3) {
                return null;
            }
            int n = 0;
            for (int j = 0; j < p.length(); j++) {
                char c = p.charAt(j);
                if (c < '0' || c > '9') {
                    return null;
                }
                n = n * 10 + (c - '0');
            }
            if (n > 255) {
                return null;
            }
            out[i] = (byte) n;
        }
        return out;
    }

    static byte[] mask(byte[] bytes, int prefix) {
        byte[] out = Arrays.copyOf(bytes, bytes.length);
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }

    /** Whether the address (as bytes) lies in this range. */
    boolean contains(byte[] address) {
        if (address == null) {
            return false;
        }
        byte[] a = address;
        if (a.length != network.length) {
            a = convert(a, network.length);
            if (a == null) {
                return false;
            }
        }
        return Arrays.equals(mask(a, prefixLength), network);
    }

    /** IPv4-mapped IPv6 (::ffff:a.b.c.d) and IPv4 compare as the same address. */
    private static byte[] convert(byte[] a, int length) {
        if (a.length == 16 && length == 4) {
            for (int i = 0; i < 10; i++) {
                if (a[i] != 0) {
                    return null;
                }
            }
            if (a[10] != (byte) 0xFF || a[11] != (byte) 0xFF) {
                return null;
            }
            return Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length == 4 && length == 16) {
            byte[] out = new byte[16];
            out[10] = (byte) 0xFF;
            out[11] = (byte) 0xFF;
            System.arraycopy(a, 0, out, 12, 4);
            return out;
        }
        return null;
    }

    @Override
    public String toString() {
        return text;
    }
}
