package io.milepost.webhook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The SSRF guard on its own: every URL form that could reach an internal address is refused. */
class AddressGuardTest {
    private final AddressGuard strict = new AddressGuard(false);
    private final AddressGuard lenient = new AddressGuard(true);

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            http://127.0.0.1/hook                 | loopback
            http://localhost:8080/hook            | loopback
            http://[::1]/hook                     | loopback
            http://10.1.2.3/hook                  | private
            http://172.16.0.1/hook                | private
            http://172.31.255.255/hook            | private
            http://192.168.1.10/hook              | private
            http://169.254.169.254/latest/meta    | link-local
            http://100.64.0.1/hook                | CGNAT
            http://100.127.255.254/hook           | CGNAT
            http://[fc00::1]/hook                 | unique-local
            http://[fd12:3456::1]/hook            | unique-local
            http://[fe80::1]/hook                 | link-local
            http://[::ffff:127.0.0.1]/hook        | loopback
            http://[::ffff:169.254.169.254]/hook  | link-local
            http://[::ffff:a9fe:a9fe]/hook        | link-local
            http://[::127.0.0.1]/hook             | loopback
            http://[64:ff9b::a9fe:a9fe]/hook      | link-local
            http://[2002:7f00:1::]/hook           | loopback
            http://224.0.0.1/hook                 | multicast
            http://[ff02::1]/hook                 | multicast
            http://0.0.0.0/hook                   | unspecified
            http://[::]/hook                      | unspecified
            http://255.255.255.255/hook           | broadcast
            """)
    void shouldRefuseInternalAddresses(String url, String why) {
        AddressGuard.Refused refused = assertThrows(AddressGuard.Refused.class, () -> strict.resolve(url));
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://2130706433/hook",
                "http://127.1/hook",
                "http://0x7f.0.0.1/hook",
                "http://0177.0.0.1/hook",
                "http://0x7f000001/hook",
                "http://017700000001/hook",
                "http://127.0.1/hook",
                "http://169.254.43518/hook",
                "http://127.0.0.1./hook"
            })
    void shouldRefuseNumericHostsInOtherFormsThanDottedQuad(String url) {
        AddressGuard.Refused refused = assertThrows(AddressGuard.Refused.class, () -> strict.resolve(url));
        assertTrue(refused.getMessage().contains("non-canonical"), refused.getMessage());
        assertThrows(AddressGuard.Refused.class, () -> lenient.resolve(url), "refused even where private is allowed");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            ftp://example.com/x                   | http:// or https://
            file:///etc/passwd                    | http:// or https://
            gopher://example.com/                 | http:// or https://
            http://user:secret@93.184.216.34/x    | user name or password
            http:///no-host                       | no host
            http://93.184.216.34/x#frag           | fragment
            'not a url'                           | not a valid URL
            ''                                    | required
            """)
    void shouldRefuseUrlsThatAreNotPlainHttp(String url, String why) {
        AddressGuard.Refused refused = assertThrows(AddressGuard.Refused.class, () -> strict.resolve(url));
        assertTrue(refused.getMessage().contains(why), refused.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://93.184.216.34/hooks?x=1", "http://8.8.8.8:8080/", "http://[2606:4700::1111]/x"})
    void shouldAcceptPublicAddresses(String url) throws AddressGuard.Refused {
        AddressGuard.Target target = strict.resolve(url);
        assertEquals(
                target.host().replace("[", "").replace("]", ""),
                target.address()
                        .getHostAddress()
                        .replaceAll("(^|:)0+(?=[0-9a-f])", "$1")
                        .replace(":0:0:0:0:0:", "::")
                        .replace("::0", "::"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1:8080/hook",
                "http://10.0.0.5/hook",
                "http://[fd00::5]/hook",
                "http://100.64.0.1/hook"
            })
    void shouldAllowPrivateAddressesWhenAskedTo(String url) throws AddressGuard.Refused {
        assertTrue(lenient.resolve(url).address() != null);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://0.0.0.0/hook", "http://224.0.0.1/hook", "http://[ff02::1]/hook"})
    void shouldNeverAllowUnspecifiedOrMulticast(String url) {
        assertThrows(AddressGuard.Refused.class, () -> lenient.resolve(url));
    }
}
