package dev.modelapi.cache;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.env.PropertyResolver;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * The one rule for "is Redis in use": {@code spring.data.redis.url} has text. Shared by the cache
 * manager choice and the Redis health default, so the two can never disagree.
 */
final class RedisSelection {

    static final String URL_PROPERTY = "spring.data.redis.url";

    private RedisSelection() {
    }

    static boolean selected(PropertyResolver properties) {
        return StringUtils.hasText(properties.getProperty(URL_PROPERTY));
    }

    /** Matches when Redis backs the cache. */
    static final class OnRedis extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return selected(context.getEnvironment())
                    ? ConditionOutcome.match(URL_PROPERTY + " is set")
                    : ConditionOutcome.noMatch(URL_PROPERTY + " is empty");
        }
    }

    /** Matches when the cache stays in-process. */
    static final class OnNoRedis extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return selected(context.getEnvironment())
                    ? ConditionOutcome.noMatch(URL_PROPERTY + " is set")
                    : ConditionOutcome.match(URL_PROPERTY + " is empty");
        }
    }
}
