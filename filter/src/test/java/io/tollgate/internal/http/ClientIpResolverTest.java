package io.tollgate.internal.http;

import io.tollgate.testing.StubRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.tollgate.testing.StubRequest.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ClientIpResolverTest {

    private static final String XFF = "X-Forwarded-For";
    private static final String PROXY = "10.0.0.1";

    private static ClientIpResolver trusting(String... ranges) {
        return resolver("X-Forwarded-For", ranges);
    }

    private static ClientIpResolver resolver(String header, String... ranges) {
        List<IpRange> trusted = new ArrayList<>();
        for (String r : ranges) {
            trusted.add(IpRange.parse(r));
        }
        return new ClientIpResolver(trusted, header, 128);
    }

    private static StubRequest fromProxy(String forwardedFor) {
        return request().remoteAddr(PROXY).header(XFF, forwardedFor);
    }

    // --- who is believed

    @Test
    void withoutTrustedProxiesTheHeaderIsIgnored() {
        assertEquals(PROXY, trusting().resolve(fromProxy("203.0.113.9").build()));
    }

    @Test
    void headerFromAnUntrustedPeerIsIgnored() {
        StubRequest request = request().remoteAddr("198.51.100.7").header(XFF, "203.0.113.9");
        assertEquals("198.51.100.7", trusting("10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void trustedPeerWithoutHeaderIsTheClient() {
        assertEquals(PROXY, trusting("10.0.0.0/8").resolve(request().remoteAddr(PROXY).build()));
    }

    @Test
    void trustedPeerNamesTheClient() {
        assertEquals("203.0.113.9", trusting("10.0.0.0/8").resolve(fromProxy("203.0.113.9").build()));
    }

    @Test
    void clientIsTheRightMostUntrustedHop() {
        assertEquals("203.0.113.9",
                trusting("10.0.0.0/8").resolve(fromProxy("198.51.100.7, 203.0.113.9, 10.0.0.2, 10.0.0.3").build()));
    }

    @Test
    void addressTheClientWroteLeftOfItsOwnNeverWins() {
        // The client sent "X-Forwarded-For: 10.0.0.5" itself; the proxy appended the real peer.
        assertEquals("203.0.113.9",
                trusting("10.0.0.0/8").resolve(fromProxy("10.0.0.5, 203.0.113.9").build()));
    }

    @Test
    void whenEveryHopIsTrustedTheLeftMostIsTheClient() {
        assertEquals("10.0.0.3", trusting("10.0.0.0/8").resolve(fromProxy("10.0.0.3, 10.0.0.2").build()));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "203.0.113.9, garbage, 10.0.0.2 | 10.0.0.2",
            "203.0.113.9, unknown           | 10.0.0.1",
            "203.0.113.9, proxy.example.com | 10.0.0.1",
            "_hidden                        | 10.0.0.1",
    })
    void hopThatIsNotAnAddressStopsAtTheLastTrustedAddress(String header, String expected) {
        assertEquals(expected, trusting("10.0.0.0/8").resolve(fromProxy(header).build()));
    }

    @Test
    void emptyHopsAreSkipped() {
        assertEquals("203.0.113.9", trusting("10.0.0.0/8").resolve(fromProxy("203.0.113.9,, ,").build()));
    }

    @Test
    void headerLinesAreReadInOrderAsOneList() {
        StubRequest request = request().remoteAddr(PROXY)
                .header(XFF, "198.51.100.7, 203.0.113.9")
                .header(XFF, "10.0.0.2");
        assertEquals("203.0.113.9", trusting("10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void laterHeaderLineIsNearerTheServer() {
        StubRequest request = request().remoteAddr(PROXY)
                .header(XFF, "198.51.100.7")
                .header(XFF, "203.0.113.9");
        assertEquals("203.0.113.9", trusting("10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void severalTrustedRangesAllCount() {
        assertEquals("203.0.113.9",
                trusting("10.0.0.0/8", "192.168.0.0/16").resolve(fromProxy("203.0.113.9, 192.168.5.5").build()));
    }

    @Test
    void configuredHeaderIsTheOneRead() {
        StubRequest request = request().remoteAddr(PROXY)
                .header(XFF, "198.51.100.7")
                .header("X-Real-IP", "203.0.113.9");
        assertEquals("203.0.113.9", resolver("X-Real-IP", "10.0.0.0/8").resolve(request.build()));
    }

    // --- address forms

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "203.0.113.9:5678          | 203.0.113.9",
            "[2001:db8::1]:443         | 2001:db8:0:0:0:0:0:1",
            "[2001:db8::1]             | 2001:db8:0:0:0:0:0:1",
            "2001:db8::1               | 2001:db8:0:0:0:0:0:1",
            "2001:DB8:0:0::1           | 2001:db8:0:0:0:0:0:1",
            "2001:0db8:0000::0001      | 2001:db8:0:0:0:0:0:1",
            "::ffff:203.0.113.9        | 203.0.113.9",
    })
    void hopIsWrittenInOneFormWhateverItsSpelling(String hop, String expected) {
        assertEquals(expected, trusting("10.0.0.0/8").resolve(fromProxy(hop).build()));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "::1                   | 0:0:0:0:0:0:0:1",
            "0:0:0:0:0:0:0:1       | 0:0:0:0:0:0:0:1",
            "2001:DB8::1           | 2001:db8:0:0:0:0:0:1",
            "::ffff:198.51.100.7   | 198.51.100.7",
            "198.51.100.7          | 198.51.100.7",
    })
    void peerIsWrittenInOneFormWhateverItsSpelling(String peer, String expected) {
        assertEquals(expected, trusting().resolve(request().remoteAddr(peer).build()));
    }

    @Test
    void ipv4MappedPeerIsTrustedByItsIpv4Range() {
        StubRequest request = request().remoteAddr("::ffff:10.0.0.1").header(XFF, "203.0.113.9");
        assertEquals("203.0.113.9", trusting("10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void trustedIpv6PeerNamesTheClient() {
        StubRequest request = request().remoteAddr("fd00::1").header(XFF, "203.0.113.9");
        assertEquals("203.0.113.9", trusting("fd00::/8").resolve(request.build()));
    }

    @Test
    void peerThatIsNotAnAddressIsReturnedAsGiven() {
        StubRequest request = request().remoteAddr("fe80::1%eth0").header(XFF, "203.0.113.9");
        assertEquals("fe80::1%eth0", trusting("0.0.0.0/0", "::/0").resolve(request.build()));
    }

    // --- RFC 7239 Forwarded

    @Test
    void forwardedHeaderIsReadByItsForNode() {
        StubRequest request = request().remoteAddr(PROXY)
                .header("Forwarded", "for=198.51.100.7;proto=https, for=203.0.113.9;by=10.0.0.1");
        assertEquals("203.0.113.9", resolver("Forwarded", "10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void forwardedNodeMayBeQuotedWithBracketsAndPort() {
        StubRequest request = request().remoteAddr(PROXY).header("Forwarded", "for=\"[2001:db8:cafe::17]:4711\"");
        assertEquals("2001:db8:cafe:0:0:0:0:17", resolver("Forwarded", "10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void forwardedParameterNamesIgnoreCase() {
        StubRequest request = request().remoteAddr(PROXY).header("Forwarded", "proto=http;For=203.0.113.9");
        assertEquals("203.0.113.9", resolver("forwarded", "10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void forwardedRightMostUntrustedHopIsTheClient() {
        StubRequest request = request().remoteAddr(PROXY)
                .header("Forwarded", "for=10.0.0.7, for=203.0.113.9")
                .header("Forwarded", "for=\"10.0.0.2:8080\"");
        assertEquals("203.0.113.9", resolver("Forwarded", "10.0.0.0/8").resolve(request.build()));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "for=203.0.113.9, proto=https | 10.0.0.1",
            "for=unknown                  | 10.0.0.1",
            "for=_hidden                  | 10.0.0.1",
            "for=\"_gazonk\"              | 10.0.0.1",
            "for=203.0.113.9, for=10.0.0.2, for=unknown, for=10.0.0.3 | 10.0.0.3",
    })
    void forwardedElementWithoutAnAddressStopsAtTheLastTrustedAddress(String header, String expected) {
        StubRequest request = request().remoteAddr(PROXY).header("Forwarded", header);
        assertEquals(expected, resolver("Forwarded", "10.0.0.0/8").resolve(request.build()));
    }

    @Test
    void xForwardedForSyntaxIsNotForwardedSyntax() {
        // A Forwarded header written like X-Forwarded-For has no for= node: nothing in it is believed.
        StubRequest request = request().remoteAddr(PROXY).header("Forwarded", "203.0.113.9");
        assertEquals(PROXY, resolver("Forwarded", "10.0.0.0/8").resolve(request.build()));
    }

    // --- the helpers' contracts

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"X-Forwarded-For", "Forwarded", "X-Real-IP", "CF-Connecting-IP"})
    void headerNameIsAccepted(String name) {
        assertEquals(name, ClientIpResolver.checkHeader(name));
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {"", "X Forwarded For", "X-Forwarded-For:", "X-Forwarded-For,Forwarded"})
    void badHeaderNameStatesTheRule(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ClientIpResolver.checkHeader(name));
        assertEquals("must be an HTTP header name like X-Forwarded-For or Forwarded", e.getMessage());
    }

    @ParameterizedTest(name = "[{0}] is [{1}]")
    @CsvSource({
            "1.2.3.4:80,       1.2.3.4",
            "1.2.3.4,          1.2.3.4",
            "[::1]:80,         ::1",
            "[::1],            ::1",
            "::1,              ::1",
            "2001:db8::1,      2001:db8::1",
            "'  1.2.3.4:80 ',  1.2.3.4",
    })
    void stripRemovesBracketsAndPort(String node, String expected) {
        assertEquals(expected, ClientIpResolver.strip(node));
    }

    @Test
    void stripOfAnUnclosedBracketIsNull() {
        assertNull(ClientIpResolver.strip("[::1"));
    }

    @Test
    void forwardedForOfAnElementWithoutForIsNull() {
        assertNull(ClientIpResolver.forwardedFor("proto=https;by=10.0.0.1"));
    }
}
