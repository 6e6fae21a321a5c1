package io.milepost.security;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import jakarta.annotation.Priority;

/**
 * An API without keys must not be reachable from other hosts: while neither
 * {@code milepost.auth.admin-key} nor {@code milepost.auth.write-keys} is set, the HTTP host is
 * forced to loopback, whatever {@code quarkus.http.host} says.
 */
@Priority(100)
public class LoopbackUnlessKeysInterceptor implements ConfigSourceInterceptor {
    static final String HOST = "quarkus.http.host";

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!HOST.equals(name) || hasKeys(context)) {
            return value;
        }
        if (value == null) {
            return ConfigValue.builder().withName(HOST).withValue("127.0.0.1").build();
        }
        return value.withValue("127.0.0.1");
    }

    private static boolean hasKeys(ConfigSourceInterceptorContext context) {
        return present(context.proceed("milepost.auth.admin-key"))
                || present(context.proceed("milepost.auth.write-keys"));
    }

    private static boolean present(ConfigValue v) {
        return v != null && v.getValue() != null && !v.getValue().isBlank();
    }
}
