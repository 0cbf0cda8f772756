package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code modelapi.audit.*} as Spring binds it: the writers' promotion follows a queue smaller than writer-promote-at. */
class AuditPropertiesTest {

    private static AuditProperties bind(Map<String, String> values) {
        return new Binder(new MapConfigurationPropertySource(values)).bindOrCreate("modelapi.audit", AuditProperties.class);
    }

    @Test
    void shouldPromoteTheWritersWhenTheQueueIsFullIfItIsSmallerThanWriterPromoteAt() {
        AuditProperties small = bind(Map.of("modelapi.audit.queue-capacity", "500"));

        assertThat(small.writerPromoteAt()).isEqualTo(1000);
        assertThat(small.writersPromotedAt()).isEqualTo(500);
    }

    @Test
    void shouldPromoteTheWritersAtWriterPromoteAtWhenTheQueueHoldsMore() {
        assertThat(bind(Map.of()).writersPromotedAt()).isEqualTo(1000);
        assertThat(bind(Map.of("modelapi.audit.queue-capacity", "5000", "modelapi.audit.writer-promote-at", "2000"))
                .writersPromotedAt()).isEqualTo(2000);
    }
}
