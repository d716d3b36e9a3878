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
}
