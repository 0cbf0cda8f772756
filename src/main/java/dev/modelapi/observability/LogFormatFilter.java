package dev.modelapi.observability;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets a console appender of logback-spring.xml write only when {@code logging.format} names its
 * format, so both appenders are referenced (logback warns at every start about one that is not)
 * and a value other than {@code json} falls back to text instead of leaving no appender at all.
 */
public class LogFormatFilter extends Filter<ILoggingEvent> {

    static final String JSON = "json";

    private String format = "text";
    private boolean json;

    /** @param format the appender's format: {@code text} or {@code json} */
    public void setFormat(String format) {
        this.format = format;
    }

    /** @param selected the value of {@code logging.format} */
    public void setSelected(String selected) {
        this.json = selected != null && JSON.equalsIgnoreCase(selected.trim());
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return JSON.equals(format) == json ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
