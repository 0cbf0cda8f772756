package dev.modelapi.sanitize;

import dev.modelapi.testsupport.RecordedSecurityEvents;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import org.springframework.util.unit.DataSize;

/** For tests outside this package: the sanitizer with the defaults of {@code modelapi.sanitize.*}. */
public final class DefaultSanitizer {

    private DefaultSanitizer() {
    }

    /** {@link SanitizeProperties}' defaults: 64 KB, every flag flagged, 32 repeats, 128-character tokens, 0.1 binary. */
    public static TextSanitizer withDefaults(MeterRegistry meters) {
        return new TextSanitizer(new SanitizeProperties(DataSize.ofKilobytes(64), Map.of(), 32, 128, 0.1), meters,
                new RecordedSecurityEvents().recorder);
    }
}
