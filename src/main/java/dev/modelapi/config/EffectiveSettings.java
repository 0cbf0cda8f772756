package dev.modelapi.config;

import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * Logs the service's own settings ({@code modelapi.*}) as they were bound, once at start-up, one
 * line per group: what a setting means is then visible, not guessed (a {@code CACHE_TTL} of
 * {@code 3600} shows as {@code ttl=1h}). Secrets (passwords, tokens, keys) show as {@code ******}.
 */
@Component
class EffectiveSettings {

    private static final Logger log = LoggerFactory.getLogger(EffectiveSettings.class);
    private static final Pattern SECRET = Pattern.compile("(?i).*(password|secret|token|credential|keys?)$");
    static final String HIDDEN = "******";

    private final ApplicationContext context;

    EffectiveSettings(ApplicationContext context) {
        this.context = context;
    }

    @EventListener(ApplicationReadyEvent.class)
    void log() {
        lines(ConfigurationPropertiesBean.getAll(context).values()).forEach(line -> log.info("Settings {}", line));
    }

    /** One line per settings group of the service, sorted by prefix: {@code modelapi.cache: enabled=true, ttl=1h}. */
    static List<String> lines(Collection<ConfigurationPropertiesBean> beans) {
        Map<String, Map<String, String>> groups = new TreeMap<>();
        for (ConfigurationPropertiesBean bean : beans) {
            String prefix = bean.getAnnotation().prefix();
            if (prefix.startsWith("modelapi") && bean.getInstance().getClass().isRecord()) {
                Map<String, String> values = groups.computeIfAbsent(prefix, p -> new TreeMap<>());
                flatten("", bean.getInstance(), values);
            }
        }
        List<String> lines = new ArrayList<>();
        groups.forEach((prefix, values) -> lines.add(prefix + ": " + values.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "))));
        return lines;
    }

    private static void flatten(String path, Object record, Map<String, String> values) {
        for (RecordComponent component : record.getClass().getRecordComponents()) {
            String name = path + kebab(component.getName());
            Object value;
            try {
                component.getAccessor().setAccessible(true);
                value = component.getAccessor().invoke(record);
            } catch (ReflectiveOperationException | RuntimeException e) {
                values.put(name, "?");
                continue;
            }
            if (SECRET.matcher(component.getName()).matches()) {
                values.put(name, value == null || String.valueOf(value).isEmpty() ? "" : HIDDEN);
            } else if (value != null && value.getClass().isRecord()) {
                flatten(name + ".", value, values);
            } else {
                values.put(name, format(value));
            }
        }
    }

    /** A duration in the largest whole unit ({@code 1h}, {@code 90s}, {@code 250ms}); 0 as {@code 0}. */
    static String format(Object value) {
        if (value instanceof Duration duration) {
            if (duration.isZero()) {
                return "0";
            }
            long millis = duration.toMillis();
            for (var unit : List.of(Map.entry("d", 86_400_000L), Map.entry("h", 3_600_000L), Map.entry("m", 60_000L),
                    Map.entry("s", 1_000L))) {
                if (millis % unit.getValue() == 0) {
                    return millis / unit.getValue() + unit.getKey();
                }
            }
            return millis + "ms";
        }
        if (value instanceof DataSize size) {
            return size.toBytes() % (1024 * 1024) == 0 ? size.toMegabytes() + "MB"
                    : size.toBytes() % 1024 == 0 ? size.toKilobytes() + "KB" : size.toBytes() + "B";
        }
        return String.valueOf(value);
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
