package dev.modelapi.observability;

import ch.qos.logback.classic.spi.IThrowableProxy;
import org.springframework.boot.logging.logback.ExtendedWhitespaceThrowableProxyConverter;

/** {@code %redactedException}: stack traces with personal data in exception messages redacted. */
public class RedactingThrowableConverter extends ExtendedWhitespaceThrowableProxyConverter {

    @Override
    protected String throwableProxyToString(IThrowableProxy proxy) {
        return RedactingMessageConverter.PII.redact(super.throwableProxyToString(proxy));
    }
}
