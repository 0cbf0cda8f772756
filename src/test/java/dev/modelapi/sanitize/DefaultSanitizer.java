package dev.modelapi.sanitize;

import dev.modelapi.testsupport.RecordedSecurityEvents;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** For tests outside this package: the sanitizer with the defaults of {@code modelapi.sanitize.*}. */
public final class DefaultSanitizer {

    private DefaultSanitizer() {
    }

    /** {@link SanitizeProperties} bound from nothing, so its declared defaults, not a copy of them. */
    public static TextSanitizer withDefaults(MeterRegistry meters) {
        SanitizeProperties defaults = new Binder(new MapConfigurationPropertySource())
                .bindOrCreate("modelapi.sanitize", SanitizeProperties.class);
        return new TextSanitizer(defaults, meters, new RecordedSecurityEvents().recorder);
    }
}
