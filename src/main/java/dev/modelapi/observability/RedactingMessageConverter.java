package dev.modelapi.observability;

import ch.qos.logback.classic.pattern.MessageConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.modelapi.pii.PiiDetector;

/**
 * {@code %redactedMessage} in logback-spring.xml: the log message with e-mail addresses, phone,
 * card and account numbers, SSNs and IP addresses replaced by their kind, so that personal data
 * in a text never reaches the logs, whichever library logs it.
 */
public class RedactingMessageConverter extends MessageConverter {

    static final PiiDetector PII = new PiiDetector();

    @Override
    public String convert(ILoggingEvent event) {
        return PII.redact(super.convert(event));
    }
}
