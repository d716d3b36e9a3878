package io.tollgate.internal.config;

/**
 * A setting whose value breaks its rule. The message names where the setting came from, quotes the
 * value and states the rule: {@code init-param [limits] was [10/x]: period [x] must be like 1s, 5m, PT1H (filter [api])}.
 */
public final class InvalidSettingException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public InvalidSettingException(String message) {
        super(message);
    }

    public InvalidSettingException(String message, Throwable cause) {
        super(message, cause);
    }
}
