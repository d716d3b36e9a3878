package io.tollgate.internal.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IpRangeTest {

    private static final String RULE = "must be IP addresses or CIDR blocks like 10.0.0.0/8, 192.168.1.7 or"
            + " fd00::/8, separated by commas";

    private static boolean contains(String range, String address) {
        return IpRange.parse(range).contains(IpRange.literal(address));
    }

    @ParameterizedTest(name = "{0} holds {1}")
    @CsvSource({
            "10.0.0.0/8,       10.0.0.0",
            "10.0.0.0/8,       10.1.2.3",
            "10.0.0.0/8,       10.255.255.255",
            "192.168.1.0/24,   192.168.1.200",
            "172.16.0.0/12,    172.31.0.1",
            "192.168.1.7,      192.168.1.7",
            "192.168.1.7/32,   192.168.1.7",
            "0.0.0.0/0,        203.0.113.9",
            "10.9.9.9/8,       10.0.0.1",
            "fd00::/8,         fd12:3456::1",
            "::1,              0:0:0:0:0:0:0:1",
            "2001:db8::/32,    2001:DB8:ffff::1",
            "::/0,             2001:db8::1",
            "2001:db8::1/128,  2001:db8:0:0:0:0:0:1",
    })
    void rangeContainsAddress(String range, String address) {
        assertTrue(contains(range, address));
    }

    @ParameterizedTest(name = "{0} does not hold {1}")
    @CsvSource({
            "10.0.0.0/8,       11.0.0.1",
            "10.0.0.0/8,       9.255.255.255",
            "192.168.1.0/24,   192.168.2.1",
            "172.16.0.0/12,    172.32.0.1",
            "192.168.1.7,      192.168.1.8",
            "fd00::/8,         fe80::1",
            "::1,              ::2",
            "2001:db8::/32,    2001:db9::1",
            "10.0.0.0/8,       2001:db8::1",
            "2001:db8::/32,    10.0.0.1",
    })
    void rangeDoesNotContainAddress(String range, String address) {
        assertFalse(contains(range, address));
    }

    @Test
    void rangeContainsNoUnparsableAddress() {
        assertFalse(IpRange.parse("0.0.0.0/0").contains(null));
    }

    @Test
    void ipv4MappedIpv6AddressIsInItsIpv4Range() {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 10, 1, 2, 3};
        assertTrue(IpRange.parse("10.0.0.0/8").contains(mapped));
    }

    @Test
    void ipv4MappedIpv6AddressOutsideTheIpv4RangeIsNotInIt() {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xFF, (byte) 0xFF, 11, 1, 2, 3};
        assertFalse(IpRange.parse("10.0.0.0/8").contains(mapped));
    }

    @Test
    void ipv4CompatibleButUnmappedIpv6AddressIsNotInAnIpv4Range() {
        byte[] unmapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 1, 2, 3};
        assertFalse(IpRange.parse("10.0.0.0/8").contains(unmapped));
    }

    @Test
    void ipv4MappedLiteralIsInItsIpv4Range() {
        assertTrue(contains("10.0.0.0/8", "::ffff:10.1.2.3"));
    }

    @Test
    void ipv4AddressIsInTheMappedIpv6Block() {
        assertTrue(contains("::ffff:0:0/96", "10.1.2.3"));
    }

    @Test
    void literalReadsIpv4() {
        assertArrayEquals(new byte[] {(byte) 192, (byte) 168, 1, 7}, IpRange.literal("192.168.1.7"));
    }

    @Test
    void literalReadsIpv6() {
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        assertArrayEquals(loopback, IpRange.literal("::1"));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"localhost", "example.com", "proxy.internal", "a.b.c.d", "1.2.3", "1.2.3.4.5",
            "256.0.0.1", "1.2.3.-4", "0x7f.0.0.1", "1234.0.0.1", "fe80::1%eth0", "dead:beef", "::g", ":::",
            "[::1]", " "})
    void literalIsNullForAnythingButAnIpLiteral(String text) {
        assertNull(IpRange.literal(text));
    }

    @Test
    void literalOfEmptyTextIsNull() {
        assertNull(IpRange.literal(""));
    }

    @Test
    void localhostIsRejectedNotLookedUp() {
        // localhost resolves without DNS on every machine, so accepting it would show a look-up happened.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpRange.parse("localhost"));
        assertEquals("[localhost] " + RULE, e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"proxy.example.com", "example.com/8", "", "10.0.0", "300.1.1.1/8", "10.0.0.0 /8",
            "fd00::zz/8", "*"})
    void notAnIpLiteralStatesTheRule(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpRange.parse(text));
        assertEquals("[" + text.trim() + "] " + RULE, e.getMessage());
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "10.0.0.0/33   | [10.0.0.0/33] has a prefix length outside 0..32",
            "10.0.0.0/-1   | [10.0.0.0/-1] has a prefix length outside 0..32",
            "10.0.0.0/x    | [10.0.0.0/x] has a prefix length outside 0..32",
            "10.0.0.0/     | [10.0.0.0/] has a prefix length outside 0..32",
            "10.0.0.0/8/8  | [10.0.0.0/8/8] has a prefix length outside 0..32",
            "::1/129       | [::1/129] has a prefix length outside 0..128",
            "fd00::/ 8     | [fd00::/ 8] has a prefix length outside 0..128",
    })
    void prefixLengthOutOfRangeIsRejected(String text, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IpRange.parse(text));
        assertEquals(message, e.getMessage());
    }

    @Test
    void parseAllReadsACommaSeparatedList() {
        assertEquals("[10.0.0.0/8, ::1, 192.168.1.7]",
                IpRange.parseAll(" 10.0.0.0/8,::1 , 192.168.1.7").toString());
    }

    @Test
    void parseAllNamesTheBadItem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IpRange.parseAll("10.0.0.0/8, proxy.example.com"));
        assertEquals("[proxy.example.com] " + RULE, e.getMessage());
    }

    @Test
    void parseAllRejectsAnEmptyItem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IpRange.parseAll("10.0.0.0/8,,::1"));
        assertEquals("has an empty item; write items separated by single commas", e.getMessage());
    }

    @Test
    void toStringIsTheRangeAsWritten() {
        assertEquals("10.0.0.0/8", IpRange.parse(" 10.0.0.0/8 ").toString());
    }
}
