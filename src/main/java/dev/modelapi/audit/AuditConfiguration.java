package dev.modelapi.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.model.IdleThreads;
import dev.modelapi.model.ThreadPolicy;
import dev.modelapi.pii.PiiDetector;
import dev.modelapi.pipeline.TaskPredicates;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.flywaydb.core.api.Location;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.boot.autoconfigure.flyway.FlywayConfigurationCustomizer;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/** Wires the audit routes' beans and the audit queries to Boot's DataSource, which Flyway has migrated before they run. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties({AuditProperties.class, AuditEncryptionProperties.class})
class AuditConfiguration {

    /** The migrations applied only to an in-memory audit database, after all others. */
    static final String IN_MEMORY_MIGRATIONS = "classpath:db/in-memory";

    /** How the URLs of H2's in-memory databases and in-memory file systems begin. */
    private static final List<String> IN_MEMORY_URLS = List.of("jdbc:h2:mem:", "jdbc:h2:memFS:", "jdbc:h2:memLZF:",
            "jdbc:h2:nioMemFS:", "jdbc:h2:nioMemLZF:");

    /**
     * The breaker {@code audit-database} of routes/audit.camel.yaml, shared by the insert and the
     * spool's drain: one failed write opens it; while open, rows go straight to the spool instead
     * of each batch waiting out the connection time-out, and the drain does not poll; after
     * {@code spool-drain-interval} it lets one write through, which closes it again or keeps it open.
     */
    @Bean
    CircuitBreaker auditDatabase(AuditProperties settings, MeterRegistry meters) {
        return databaseBreaker(settings.spoolDrainInterval(), meters);
    }

    static CircuitBreaker databaseBreaker(Duration openFor, MeterRegistry meters) {
        // a registry of its own, not a bean: camel-resilience4j takes the single registry bean for the model calls
        CircuitBreakerRegistry registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(1)
                .minimumNumberOfCalls(1)
                .failureRateThreshold(100)
                .waitDurationInOpenState(openFor)
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                // rows refused as invalid are rejected, not a sign of the database being down
                .ignoreExceptions(DataIntegrityViolationException.class)
                .writableStackTraceEnabled(false)
                .build());
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meters);
        return registry.circuitBreaker("audit-database");
    }

    /** The audit inserts' {@code prepareStatementStrategy}: a row's named parameters read from its map. */
    @Bean
    RowMapStatements auditRowStatements() {
        return new RowMapStatements();
    }

    @Bean
    AuditSpool auditSpool(AuditProperties settings, CircuitBreaker auditDatabase, MeterRegistry meters) {
        AuditSpool spool = new AuditSpool(settings.spoolDirectory(), auditDatabase, new ObjectMapper());
        Gauge.builder("modelapi.audit.spool.rows", spool, AuditSpool::pendingRows)
                .description("Audit rows waiting on disk for the database").register(meters);
        return spool;
    }

    /** The keys audit texts are sealed with, proven against the database before any row is written. */
    @Bean
    AuditCipher auditCipher(AuditEncryptionProperties encryption, AuditProperties settings, JdbcTemplate jdbcTemplate) {
        AuditCipher cipher = AuditCipher.of(encryption, settings.textStorage());
        cipher.checkKeys(jdbcTemplate);
        return cipher;
    }

    @Bean
    AuditRecords auditRecords(AuditProperties settings, AuditCipher auditCipher, MeterRegistry meters,
            AuditWriters auditWriters) {
        return new AuditRecords(new PiiDetector(), settings.textStorage(), auditCipher, meters, auditWriters::rowQueued);
    }

    /**
     * The thread of the audit's scheduled routes (routes/audit.camel.yaml's {@code audit-in-memory-limit}
     * and {@code audit-retention} name it as their {@code scheduler:} endpoints' pool): deferred work
     * like the writers', idle with them.
     */
    @Bean(destroyMethod = "shutdownNow")
    ScheduledExecutorService auditHousekeeping(AuditWriters auditWriters) {
        return Executors.newSingleThreadScheduledExecutor(auditWriters.threadFactory("audit-housekeeping"));
    }

    /**
     * The audit's writer threads at {@code SCHED_IDLE} while {@code seda:audit} is short
     * ({@code modelapi.audit.writer-policy}, {@link IdleThreads}), and the queue's meters.
     */
    @Bean
    AuditWriters auditWriters(AuditProperties settings, MeterRegistry meters) {
        boolean idle = settings.writerPolicy() == AuditProperties.WriterPolicy.IDLE;
        IdleThreads threads = new IdleThreads(idle, idle && ThreadPolicy.idleIsReversible(), settings.writersPromotedAt(),
                settings.writersPromotedAt() / 10, meters);
        AuditWriters writers = new AuditWriters(threads, Set.copyOf(settings.writerRoutes()),
                settings.queueCapacity());
        Gauge.builder("modelapi.audit.queue.size", writers, AuditWriters::queued)
                .description("Audit rows waiting for the writer in seda:audit; bounded by modelapi.audit.queue-capacity")
                .register(meters);
        Gauge.builder("modelapi.audit.queue.capacity", settings, AuditProperties::queueCapacity)
                .description("Audit rows seda:audit holds at most (modelapi.audit.queue-capacity)")
                .register(meters);
        return writers;
    }

    /**
     * The start-up warm-up's texts written to the in-memory database too, so that its writer is
     * compiled before callers come, and deleted before readiness ({@link AuditWarmUp}).
     */
    @Bean
    AuditWarmUp auditWarmUp(JdbcTemplate jdbcTemplate, AuditProperties settings,
            @Value("${spring.datasource.url:}") String datasourceUrl, AuditMetrics auditMetrics, MeterRegistry meters) {
        return new AuditWarmUp(jdbcTemplate, settings.enabled() && inMemory(datasourceUrl), auditMetrics::predictionRowsWritten,
                settings.timeoutCheckerInterval(), meters);
    }

    /**
     * Filter {@code audit-callers-only} of routes/audit.camel.yaml: the texts the audit keeps a row
     * of, a caller's, never the cache warming's, and the start-up warm-up's only where they are
     * deleted again before readiness ({@link AuditWarmUp}).
     */
    @Bean
    org.apache.camel.Predicate auditedText(AuditWarmUp auditWarmUp) {
        return TaskPredicates.task("auditedText", auditWarmUp::audited);
    }

    @Bean
    AuditMetrics auditMetrics(MeterRegistry meters) {
        return new AuditMetrics(meters);
    }

    /** Step {@code audit-queue-full}: a row that found {@code seda:audit} full, written with the rows at its head. */
    @Bean
    AuditOverflow auditOverflow(AuditMetrics auditMetrics, AuditWriters auditWriters, AuditProperties settings,
            MeterRegistry meters) {
        return new AuditOverflow(auditMetrics, auditWriters, settings.batchSize(), meters);
    }

    @Bean
    AuditRetention auditRetention(JdbcTemplate jdbcTemplate, PlatformTransactionManager transactionManager,
            AuditProperties settings, @Value("${spring.datasource.url:}") String datasourceUrl, MeterRegistry meters,
            AuditMetrics auditMetrics) {
        return new AuditRetention(jdbcTemplate, transactionManager, settings, inMemory(datasourceUrl), meters,
                auditMetrics::rowsWritten);
    }

    /**
     * The in-memory database of the default run also gets {@code classpath:db/in-memory}, whose
     * repeatable migration drops the audit table's two query indexes: it holds at most
     * {@code in-memory-max-rows}, which a query scans instead, while every insert and trim would
     * update them (the indexes' pages, rewritten per insert in the heap, lengthened each young GC
     * pause). A database outside the process keeps them.
     */
    @Bean
    FlywayConfigurationCustomizer inMemoryAuditMigrations(@Value("${spring.datasource.url:}") String datasourceUrl) {
        return configuration -> {
            if (inMemory(datasourceUrl)) {
                configuration.locations(Stream.concat(Arrays.stream(configuration.getLocations()),
                        Stream.of(new Location(IN_MEMORY_MIGRATIONS))).toArray(Location[]::new));
            }
        };
    }

    /**
     * Whether the audit database lives only in this process: H2's in-memory databases
     * ({@code jdbc:h2:mem:}) and databases on its in-memory file systems ({@code memFS:},
     * {@code memLZF:}, {@code nioMemFS:}, {@code nioMemLZF:}), whose rows go when the JVM stops.
     */
    static boolean inMemory(String datasourceUrl) {
        return IN_MEMORY_URLS.stream().anyMatch(datasourceUrl::startsWith);
    }

    @Bean
    AuditReports auditReports(AuditProperties settings, AuditCipher auditCipher) {
        return new AuditReports(settings.exportMaxRows(), auditCipher);
    }

    @Bean
    AuditQueries auditQueries(JdbcTemplate jdbcTemplate, AuditCipher auditCipher) {
        return new AuditQueries(jdbcTemplate, auditCipher);
    }
}
