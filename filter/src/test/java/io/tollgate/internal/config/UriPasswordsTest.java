package io.tollgate.internal.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class UriPasswordsTest {

    @Test
    void passwordIsHiddenAndUserKept() {
        assertEquals("redis://app:***@redis.internal:6379", UriPasswords.mask("redis://app:s3cret@redis.internal:6379"));
    }

    @Test
    void userInfoWithoutColonIsAPasswordAndHidden() {
        assertEquals("rediss://***@redis.internal:6380/0", UriPasswords.mask("rediss://s3cret@redis.internal:6380/0"));
    }

    @Test
    void emptyUserIsKeptEmpty() {
        assertEquals("redis://:***@host", UriPasswords.mask("redis://:s3cret@host"));
    }

    @Test
    void everyUriInTheTextIsMasked() {
        assertEquals("redis://a:***@h1:6379,redis://b:***@h2:6379 and redis://***@h3",
                UriPasswords.mask("redis://a:p1@h1:6379,redis://b:p2@h2:6379 and redis://p3@h3"));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource({
            "redis://127.0.0.1:6379",
            "classpath:redisson.yaml",
            "write to ops@example.com",
            "10/s",
            "''",
    })
    void textWithoutUserInfoIsUnchanged(String text) {
        assertEquals(text, UriPasswords.mask(text));
    }

    @Test
    void atSignInThePathIsNotUserInfo() {
        assertEquals("https://host/users/@me", UriPasswords.mask("https://host/users/@me"));
    }

    @Test
    void nullStaysNull() {
        assertNull(UriPasswords.mask(null));
    }

    @Test
    void passwordWithARawAtSignIsHiddenWhole() {
        assertEquals("redis://user:***@host:6379", UriPasswords.mask("redis://user:p@ss@host:6379"));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "redis://default:S3/cr3t@host:6379          | redis://default:***@host:6379",
            "redis://:pass word@host:6379               | redis://:***@host:6379",
            "rediss://app:p#ss@w0rd@host:6380/2         | rediss://app:***@host:6380/2",
            "redis://app:s3cret?x=1@host                | redis://app:***@host",
            "was [redis://:a]b c@host:1]: has no host  | was [redis://:***@host:1]: has no host",
            "valkey://S3/cr3t@host                      | valkey://***@host",
    })
    void everyRedisPasswordShapeIsHidden(String text, String expected) {
        assertEquals(expected, UriPasswords.mask(text));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
            "password: s3cret                           | password: ***",
            "  password: \"s3 cret\"                    |   password: ***",
            "sentinelPassword=s3cret, x=1               | sentinelPassword=***, x=1",
    })
    void passwordSettingsAreHidden(String text, String expected) {
        assertEquals(expected, UriPasswords.mask(text));
    }
}
