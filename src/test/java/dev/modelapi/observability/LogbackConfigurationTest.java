package dev.modelapi.observability;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.apache.commons.logging.LogFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * logback-spring.xml as Spring Boot loads it at start-up: each {@code logging.format} writes its
 * own kind of line, and logback has nothing to warn about (it prints every status of the
 * configuration above the service's first line when one is a warning).
 */
@ExtendWith(OutputCaptureExtension.class)
class LogbackConfigurationTest {

    private static final String PROBE = "dev.modelapi.observability.LogbackConfigurationTest.probe";

    private final LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());

    @AfterEach
    void backToTheDefaultRun() throws Exception {
        configureWith(Map.of());
    }

    @Test
    void shouldWriteTextLinesByDefaultWithNothingToWarnAbout(CapturedOutput output) throws Exception {
        List<Status> statuses = configureWith(Map.of());

        LoggerFactory.getLogger(PROBE).info("probe line for jane@example.org");

        assertThat(warnings(statuses)).isEmpty();
        assertThat(probeLines(output)).singleElement().satisfies(line -> assertThat(line)
                .doesNotStartWith("{").contains("INFO", "probe line for [EMAIL]"));
    }

    @Test
    void shouldWriteOneJsonObjectPerLineWhenJsonIsPicked(CapturedOutput output) throws Exception {
        List<Status> statuses = configureWith(Map.of("logging.format", "JSON"));

        LoggerFactory.getLogger(PROBE).warn("probe line for jane@example.org");

        assertThat(warnings(statuses)).isEmpty();
        assertThat(probeLines(output)).singleElement().satisfies(line -> {
            JsonNode json = new ObjectMapper().readTree(line);
            assertThat(json.get("level").asText()).isEqualTo("WARN");
            assertThat(json.get("message").asText()).isEqualTo("probe line for [EMAIL]");
        });
    }

    @Test
    void shouldFallBackToTextForAFormatItDoesNotKnow(CapturedOutput output) throws Exception {
        List<Status> statuses = configureWith(Map.of("logging.format", "xml"));

        LoggerFactory.getLogger(PROBE).info("probe line");

        assertThat(warnings(statuses)).isEmpty();
        assertThat(probeLines(output)).singleElement().satisfies(line -> assertThat(line)
                .doesNotStartWith("{").contains("probe line"));
    }

    /** Spring's own commons-logging bridge, not the jar that makes spring-jcl complain on stderr at start-up. */
    @Test
    void shouldLogCommonsLoggingThroughSpringsBridge() {
        assertThat(LogFactory.class.getProtectionDomain().getCodeSource().getLocation().toString())
                .contains("spring-jcl");
    }

    /** Configures logging as at start-up, from application.yaml and {@code overrides}; returns logback's statuses. */
    private List<Status> configureWith(Map<String, Object> overrides) throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", overrides));
        new YamlPropertySourceLoader().load("application", new ClassPathResource("application.yaml"))
                .forEach(environment.getPropertySources()::addLast);
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.getStatusManager().clear();
        logging.cleanUp();
        logging.beforeInitialize();
        logging.initialize(new LoggingInitializationContext(environment), null, null);
        return context.getStatusManager().getCopyOfStatusList();
    }

    /**
     * The statuses at WARN or above that the configuration caused. Left out: "No appenders present",
     * which logback records when another thread of this test JVM (a JMS listener of an earlier test's
     * application, still stopping) logs in the moment between the reset and the new configuration.
     */
    private static List<Status> warnings(List<Status> statuses) {
        return statuses.stream().filter(status -> status.getLevel() >= Status.WARN)
                .filter(status -> !String.valueOf(status.getMessage()).startsWith("No appenders present"))
                .toList();
    }

    private static List<String> probeLines(CapturedOutput output) {
        return output.getOut().lines().filter(line -> line.contains("probe line")).toList();
    }
}
