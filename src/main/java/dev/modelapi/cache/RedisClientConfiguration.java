package dev.modelapi.cache;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.TimeoutOptions;
import java.time.Duration;
import org.springframework.boot.autoconfigure.data.redis.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.autoconfigure.data.redis.LettuceClientOptionsBuilderCustomizer;
import org.springframework.boot.autoconfigure.data.redis.RedisProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * How the service's Redis client (Spring Boot's Lettuce) waits. {@code spring.data.redis.timeout}
 * (500 ms) bounds each command; {@code spring.data.redis.connect-timeout} (2 s) bounds making a
 * connection: TCP, the TLS handshake and Lettuce's HELLO. Lettuce times a new connection's set-up
 * with its command timeout, so without the split a cold TLS handshake on a busy machine overran
 * 500 ms and every attempt failed until load fell. While Redis is unreachable, commands fail at
 * once instead of queueing until the timeout: a cache that is down must cost a request nothing
 * but a miss.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(RedisSelection.OnRedis.class)
class RedisClientConfiguration {

    @Bean
    LettuceClientOptionsBuilderCustomizer commandsBoundedAndRejectedWhileDisconnected(RedisProperties redis) {
        return options -> {
            options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
            if (redis.getTimeout() != null) {
                options.timeoutOptions(TimeoutOptions.enabled(redis.getTimeout()));
            }
        };
    }

    @Bean
    LettuceClientConfigurationBuilderCustomizer connectionsBoundedByTheConnectTimeout(RedisProperties redis) {
        return client -> {
            Duration window = connectionWindow(redis.getTimeout(), redis.getConnectTimeout());
            if (window != null) {
                client.commandTimeout(window);
            }
        };
    }

    /**
     * The time a new connection gets (Lettuce's URI timeout): the connect timeout, never less than
     * a command's; null (either unset) leaves Boot's choice, which without a command timeout is
     * Lettuce's 60 s.
     */
    static Duration connectionWindow(Duration commandTimeout, Duration connectTimeout) {
        if (commandTimeout == null || connectTimeout == null) {
            return null;
        }
        return connectTimeout.compareTo(commandTimeout) > 0 ? connectTimeout : commandTimeout;
    }
}
