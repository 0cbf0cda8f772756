package dev.modelapi.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.security.SecurityProperties;
import dev.modelapi.testsupport.RouteFiles;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files (docker-compose.yml, the Grafana dashboard, deploy/) may name only what the
 * service has: metrics it exports and environment variables it reads. A rename in the code fails here
 * rather than leaving a dashboard panel empty or a setting silently ignored.
 */
class DeploymentFilesTest {

    private static final Path DASHBOARD = Path.of("docker/grafana/dashboards/model-api-service.json");
    private static final Path ALERTS = Path.of("docker/prometheus/alerts.yml");
    private static final Path PROMETHEUS = Path.of("docker/prometheus/prometheus.yml");
    private static final Path GRAFANA_DATASOURCE = Path.of("docker/grafana/provisioning/datasources/prometheus.yaml");
    private static final Path COMPOSE = Path.of("docker-compose.yml");
    private static final Path COMPOSE_CUDA = Path.of("docker-compose.cuda.yml");
    private static final Path K8S = Path.of("deploy/k8s");
    private static final Path APPLICATION_YAML = Path.of("src/main/resources/application.yaml");
    private static final Path MAIN_SOURCES = Path.of("src/main/java");
    private static final Path DOCKERFILE = Path.of("docker/Dockerfile");
    private static final Path POM = Path.of("pom.xml");
    private static final Path BENCH_JVM_OPTIONS = Path.of("bench/jvm-options.sh");
    private static final String SERVICE = "model-api";

    /**
     * Metric families of the service's own meters, as /actuator/prometheus names them, with the meter
     * name the code registers (Counter/Gauge/DistributionSummary.builder in src/main). Micrometer's
     * Prometheus naming turns dots into underscores, appends the base unit and, for counters,
     * {@code _total}; a distribution summary is a histogram here (its SLO buckets). Checked against a
     * scrape of the running service, and for the counters that appear only after their first event,
     * against Micrometer's PrometheusMeterRegistry.
     */
    private static final Map<String, String> OWN_METRICS = Map.ofEntries(
            Map.entry("modelapi_audit_retention_rows_total", "modelapi.audit.retention.rows"),
            Map.entry("modelapi_audit_rows_written_total", "modelapi.audit.rows.written"),
            Map.entry("modelapi_audit_spool_rows", "modelapi.audit.spool.rows"),
            Map.entry("modelapi_audit_write_failures_total", "modelapi.audit.write.failures"),
            Map.entry("modelapi_batch_failed_texts_total", "modelapi.batch.failed"),
            Map.entry("modelapi_batch_queue_size", "modelapi.batch.queue.size"),
            Map.entry("modelapi_batch_queue_capacity", "modelapi.batch.queue.capacity"),
            Map.entry("modelapi_http_refused_total", "modelapi.http.refused"),
            Map.entry("modelapi_routes_reload_failing", "modelapi.routes.reload.failing"),
            Map.entry("modelapi_security_burst_sources", "modelapi.security.burst.sources"),
            Map.entry("modelapi_drift_psi", "modelapi.drift.psi"),
            Map.entry("modelapi_security_events_total", "modelapi.security.events"),
            Map.entry("modelapi_security_events_dropped_total", "modelapi.security.events.dropped"),
            Map.entry("modelapi_batch_size", "modelapi.batch.size"),
            Map.entry("modelapi_cache_errors_total", "modelapi.cache.errors"),
            Map.entry("modelapi_cache_inflight", "modelapi.cache.inflight"),
            Map.entry("modelapi_ensemble_degraded_texts_total", "modelapi.ensemble.degraded"),
            Map.entry("modelapi_ensemble_model_failures_total", "modelapi.ensemble.model.failures"),
            Map.entry("modelapi_folder_file_records", "modelapi.folder.file.records"),
            Map.entry("modelapi_folder_file_records_done", "modelapi.folder.file.records.done"),
            Map.entry("modelapi_folder_files_total", "modelapi.folder.files"),
            Map.entry("modelapi_folder_records_total", "modelapi.folder.records"),
            Map.entry("modelapi_model_bytes", "modelapi.model.bytes"),
            Map.entry("modelapi_model_evictions_total", "modelapi.model.evictions"),
            Map.entry("modelapi_model_load_seconds", "modelapi.model.load.seconds"),
            Map.entry("modelapi_model_workers", "modelapi.model.workers"),
            Map.entry("modelapi_native_malloc_bytes", "modelapi.native.malloc"),
            Map.entry("modelapi_model_workers_busy", "modelapi.model.workers.busy"),
            Map.entry("modelapi_models_loaded", "modelapi.models.loaded"),
            Map.entry("modelapi_sanitize_flags_total", "modelapi.sanitize.flags"),
            Map.entry("modelapi_sanitize_refused_total", "modelapi.sanitize.refused"),
            Map.entry("modelapi_sanitize_removed_characters_total", "modelapi.sanitize.removed.characters"),
            Map.entry("modelapi_shadow_comparisons_total", "modelapi.shadow.comparisons"),
            Map.entry("modelapi_traffic_split_total", "modelapi.traffic.split"));

    /**
     * Families that the libraries register, from the same scrape: Spring Boot's HTTP server and cache
     * meters (http_server_requests has buckets because application.yaml turns on its
     * percentiles-histogram), the route meters (RouteMeters, by camel-micrometer's names), resilience4j-micrometer's breakers,
     * bulkheads and time limiters, Camel's instrumented thread pools, the JVM and the process.
     */
    private static final Set<String> LIBRARY_METRICS = Set.of(
            "http_server_requests_seconds", "http_server_requests_active_seconds",
            "cache_gets_total", "cache_puts_total", "cache_evictions_total", "cache_size",
            "camel_exchanges_total", "camel_exchanges_failed_total", "camel_exchanges_succeeded_total",
            "camel_exchanges_failures_handled_total", "camel_exchanges_external_redeliveries_total",
            "camel_route_policy_seconds", "camel_routes_running_routes",
            "resilience4j_circuitbreaker_state", "resilience4j_circuitbreaker_failure_rate",
            "resilience4j_circuitbreaker_not_permitted_calls_total", "resilience4j_circuitbreaker_calls_seconds",
            "resilience4j_timelimiter_calls_total",
            "resilience4j_ratelimiter_available_permissions",
            "executor_active_threads", "executor_queued_tasks", "executor_pool_size_threads",
            "jvm_memory_used_bytes", "process_cpu_usage", "hikaricp_connections_active");

    /** Series a histogram, summary or timer family adds to its name. */
    private static final List<String> DISTRIBUTION_SUFFIXES = List.of("_bucket", "_sum", "_count", "_max");

    /** Environment variables that application.yaml reads as {@code ${NAME:default}}. */
    private static final Set<String> APPLICATION_YAML_VARIABLES = Set.of(
            "ROUTES_DIR", "MODELS_DIR", "DATA_DIR", "SERVER_PORT", "MAX_BATCH_SIZE", "CACHE_TTL",
            "CACHE_MAX_ENTRIES", "CACHE_ENABLED", "MLFLOW_TRACKING_URI", "MODEL_DEVICE", "BROKER_USER",
            "BROKER_PASSWORD", "DEV_KEY_ENABLED", "SECURITY_ENABLED", "JMS_ENABLED", "JMS_REPLY_QUEUE",
            "FOLDER_ENABLED", "FOLDER_INBOX", "FOLDER_OUTBOX", "AUDIT_ENABLED", "AUDIT_TEXT_STORAGE",
            "AUDIT_RETENTION", "DEFAULT_ENSEMBLE", "TRAFFIC_SPLIT_MODEL", "TRAFFIC_SPLIT_WEIGHTS",
            "TRAFFIC_SHADOW_MODEL", "CORS_ALLOWED_ORIGINS", "CACHE_WARMING_ENABLED");

    /** Read by the EnvironmentPostProcessors (Redis, PostgreSQL, brokers), which name them as constants. */
    private static final Set<String> POST_PROCESSOR_VARIABLES = Set.of(
            "REDIS_URL", "POSTGRES_URL", "POSTGRES_USER", "POSTGRES_PASSWORD", "BROKER_URL", "KAFKA_BOOTSTRAP_SERVERS");

    /**
     * Spring Boot's relaxed binding of a list element: {@code modelapi.security.keys[0].*}
     * (SecurityProperties.Key), used by the Kubernetes Secret to configure a key.
     */
    private static final Set<String> SECURITY_KEY_VARIABLES = Set.of(
            "MODELAPI_SECURITY_KEYS_0_NAME", "MODELAPI_SECURITY_KEYS_0_SHA256", "MODELAPI_SECURITY_KEYS_0_ROLES");

    /**
     * Read around the service rather than by it: the NVIDIA container runtime (which GPUs a container
     * sees) and the OpenTelemetry exporter (where traces go, the service's name in them).
     */
    private static final Set<String> RUNTIME_VARIABLES = Set.of(
            "NVIDIA_VISIBLE_DEVICES", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_SERVICE_NAME");

    private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Set<String> PROMQL_KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset");

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldGiveEveryDashboardPanelATitleAndAQuery() throws IOException {
        JsonNode panels = json.readTree(DASHBOARD.toFile()).path("panels");
        assertThat(panels.size()).as("panels").isGreaterThanOrEqualTo(8);
        for (JsonNode panel : panels) {
            assertThat(panel.path("title").asText()).as("title of panel %s", panel.path("id")).isNotBlank();
            List<String> exprs = new ArrayList<>();
            panel.path("targets").forEach(target -> exprs.add(target.path("expr").asText()));
            assertThat(exprs).as("queries of panel \"%s\"", panel.path("title").asText())
                    .isNotEmpty().allSatisfy(expr -> assertThat(expr).isNotBlank());
        }
    }

    @Test
    void shouldQueryTheProvisionedDatasource() throws IOException {
        Map<String, Object> provisioning = yaml(GRAFANA_DATASOURCE);
        Set<String> uids = listOf(provisioning.get("datasources")).stream()
                .map(datasource -> String.valueOf(map(datasource).get("uid")))
                .collect(Collectors.toSet());
        for (JsonNode panel : json.readTree(DASHBOARD.toFile()).path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText())
                    .as("datasource of panel \"%s\"", panel.path("title").asText()).isIn(uids);
        }
    }

    @Test
    void shouldReadMetricNamesOutOfPromQl() {
        assertThat(metricNames("histogram_quantile(0.95, sum by (le) "
                + "(rate(http_server_requests_seconds_bucket{uri=\"/api/v1/predict\", le!=\"x\"}[$__rate_interval])))"))
                .containsExactly("http_server_requests_seconds_bucket");
        assertThat(metricNames("sum(rate(cache_gets_total{result=\"hit\"}[5m])) / sum(rate(cache_gets_total[5m]))"
                + " > bool 0 or max by (name, state) (resilience4j_circuitbreaker_state)"))
                .containsExactly("cache_gets_total", "resilience4j_circuitbreaker_state");
    }

    @Test
    void shouldQueryOnlyMetricsTheServiceExposes() throws IOException {
        Set<String> exposed = exposedSeriesNames();
        Set<String> used = new TreeSet<>();
        for (JsonNode panel : json.readTree(DASHBOARD.toFile()).path("panels")) {
            panel.path("targets").forEach(target -> used.addAll(metricNames(target.path("expr").asText())));
        }
        assertThat(used).as("metrics the dashboard queries")
                .contains("camel_exchanges_total", "http_server_requests_seconds_bucket", "modelapi_batch_size_bucket",
                        "cache_gets_total", "modelapi_ensemble_model_failures_total", "resilience4j_circuitbreaker_state",
                        "modelapi_ensemble_degraded_texts_total", "modelapi_audit_spool_rows");
        assertThat(exposed).as("metrics the service exposes").containsAll(used);
    }

    /** The alert rules query what the service (and Prometheus: up) exposes; promtool checks their syntax and firing in CI. */
    @Test
    @SuppressWarnings("unchecked")
    void shouldAlertOnlyOnMetricsTheServiceExposes() throws IOException {
        Set<String> exposed = exposedSeriesNames();
        exposed.add("up");
        Map<String, Object> rules;
        try (Reader reader = Files.newBufferedReader(ALERTS)) {
            rules = new Yaml().load(reader);
        }
        Set<String> used = new TreeSet<>();
        List<String> alerts = new ArrayList<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                alerts.add(String.valueOf(rule.get("alert")));
                used.addAll(metricNames(String.valueOf(rule.get("expr"))));
                assertThat(((Map<String, Object>) rule.get("labels")).get("severity")).as("severity of %s", rule.get("alert"))
                        .isIn("warning", "critical");
            }
        }
        assertThat(alerts).contains("ModelApiHighErrorRate", "ModelApiHighLatencyP99", "ModelApiBatchQueueNearlyFull",
                "ModelApiModelBreakerOpen", "ModelApiQuorumFailures", "ModelApiAuditSpoolGrowing", "ModelApiNoModelLoaded");
        assertThat(exposed).as("metrics the service exposes").containsAll(used);
        String prometheus = Files.readString(PROMETHEUS);
        assertThat(prometheus).contains("rule_files:", "alerts.yml", "alertmanager:9093");
        assertThat(Files.readString(COMPOSE)).contains("./docker/prometheus/alerts.yml:/etc/prometheus/alerts.yml:ro",
                "prom/alertmanager:");
    }

    @Test
    void shouldRegisterEveryOwnMetricInTheCode() throws IOException {
        String sources = mainSources();
        assertThat(OWN_METRICS.values()).allSatisfy(meter ->
                assertThat(sources).as("a meter named %s in src/main/java", meter).contains('"' + meter + '"'));
    }

    @Test
    void shouldListOnlyVariablesTheServiceReads() throws IOException {
        String applicationYaml = Files.readString(APPLICATION_YAML);
        assertThat(APPLICATION_YAML_VARIABLES).allSatisfy(name ->
                assertThat(applicationYaml).as("application.yaml").contains("${" + name + ":"));
        String sources = mainSources();
        assertThat(POST_PROCESSOR_VARIABLES).allSatisfy(name ->
                assertThat(sources).as("src/main/java").contains("= \"" + name + "\";"));
        Set<String> keyFields = Arrays.stream(SecurityProperties.Key.class.getRecordComponents())
                .map(component -> component.getName().toUpperCase(Locale.ROOT))
                .collect(Collectors.toSet());
        assertThat(SECURITY_KEY_VARIABLES).allSatisfy(name ->
                assertThat(keyFields).contains(name.substring("MODELAPI_SECURITY_KEYS_0_".length())));
    }

    @Test
    void shouldConfigureTheComposeServiceOnlyWithVariablesItReads() throws IOException {
        for (Path file : List.of(COMPOSE, COMPOSE_CUDA)) {
            Map<String, Object> service = map(map(yaml(file).get("services")).get(SERVICE));
            Set<String> names = environmentNames(service.get("environment"));
            assertThat(names).as("environment of %s in %s", SERVICE, file).isNotEmpty();
            assertThat(knownVariables()).as("variables the service reads").containsAll(names);
        }
        assertThat(environmentNames(map(map(yaml(COMPOSE).get("services")).get(SERVICE)).get("environment")))
                .contains("REDIS_URL", "POSTGRES_URL", "MLFLOW_TRACKING_URI", "BROKER_URL", "KAFKA_BOOTSTRAP_SERVERS",
                        "OTEL_EXPORTER_OTLP_ENDPOINT");
    }

    @Test
    void shouldGiveEveryComposeServiceAHealthcheckOrAReason() throws IOException {
        Map<String, Object> services = map(yaml(COMPOSE).get("services"));
        assertThat(services).containsKeys(SERVICE, "redis", "postgres", "mlflow", "jaeger", "prometheus", "grafana",
                "artemis", "kafka");
        services.forEach((name, definition) -> {
            Map<String, Object> service = map(definition);
            Object healthcheck = service.get("healthcheck");
            if (healthcheck == null) {
                assertThat(String.valueOf(service.get("x-no-healthcheck")))
                        .as("service %s has no healthcheck, so x-no-healthcheck must say why", name)
                        .isNotBlank().isNotEqualTo("null");
            } else {
                assertThat(listOf(map(healthcheck).get("test"))).as("healthcheck test of %s", name).isNotEmpty();
            }
        });
    }

    /**
     * An AOT cache is only used by a JVM started like the one that made it: the Dockerfile's training
     * run must pass the CPU entry point's jar and options and write the cache that entry point maps;
     * the CUDA image (no cache) starts the same way without it.
     */
    @Test
    void shouldTrainTheImagesAotCacheAsTheEntryPointStarts() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        Matcher entryPoints = Pattern.compile("(?m)^ENTRYPOINT (\\[.*])$").matcher(dockerfile);
        List<List<String>> commands = new ArrayList<>();
        while (entryPoints.find()) {
            commands.add(Arrays.asList(new ObjectMapper().readValue(entryPoints.group(1), String[].class)));
        }
        assertThat(commands).as("the CPU and the CUDA image's entry points").hasSize(2);
        List<String> command = commands.get(0);
        int jar = command.indexOf("-jar");
        List<String> options = new ArrayList<>(command.subList(1, jar));
        List<String> mapped = options.stream().filter(option -> option.startsWith("-XX:AOTCache=")).toList();
        assertThat(mapped).hasSize(1);
        options.removeAll(mapped);
        List<String> withoutCache = new ArrayList<>(command);
        withoutCache.removeAll(mapped);
        assertThat(commands.get(1)).as("the CUDA entry point").isEqualTo(withoutCache);

        Matcher training = Pattern.compile("(?m)^RUN sh /tmp/cds-training\\.sh ((?:.*\\\\\n)*.*)$").matcher(dockerfile);
        assertThat(training.find()).as("the training run in the Dockerfile").isTrue();
        List<String> arguments = Arrays.asList(training.group(1).replace("\\\n", " ").trim().split("\\s+"));

        assertThat(arguments.get(0)).isEqualTo(mapped.get(0).substring("-XX:AOTCache=".length()));
        assertThat(arguments.get(1)).isEqualTo(command.get(jar + 1));
        assertThat(arguments.subList(2, arguments.size())).isEqualTo(options);
    }

    /**
     * The benchmarks (bench/compare.sh, warmup.sh, the lib for idle.sh and rss.sh) start the jar with
     * bench/jvm-options.sh, and docs/performance.md reports what they measure as what
     * {@code ./mvnw spring-boot:run} runs: the two lists of JVM options must be the same.
     */
    @Test
    void shouldStartTheBenchmarksJvmAsTheRunCommandDoes() throws IOException {
        String pom = Files.readString(POM);
        Matcher property = Pattern.compile("<djl\\.argLine>([^<]*)</djl\\.argLine>").matcher(pom);
        assertThat(property.find()).as("djl.argLine in pom.xml").isTrue();
        Matcher run = Pattern.compile("<jvmArguments>([^<]*)</jvmArguments>").matcher(pom);
        assertThat(run.find()).as("the spring-boot-maven-plugin's jvmArguments").isTrue();
        List<String> runOptions = Arrays.asList(
                run.group(1).replace("${djl.argLine}", property.group(1)).trim().split("\\s+"));

        Matcher bench = Pattern.compile("(?s)\\nSERVICE_JVM_OPTS=\\(([^)]*)\\)").matcher(Files.readString(BENCH_JVM_OPTIONS));
        assertThat(bench.find()).as("SERVICE_JVM_OPTS in bench/jvm-options.sh").isTrue();
        List<String> benchOptions = Arrays.asList(bench.group(1).trim().split("\\s+"));

        assertThat(benchOptions).isEqualTo(runOptions);
        assertThat(runOptions).as("a diagnostic flag is accepted only after the unlock")
                .containsSubsequence("-XX:+UnlockDiagnosticVMOptions", "-XX:TieredOldPercentage=100000");
    }

    /**
     * jemalloc for libtorch's tensors (docs/performance.md): the container image preloads it, pom.xml's
     * jemalloc profile preloads it for {@code ./mvnw spring-boot:run} where the file exists, and the
     * benchmarks start the service the same way. One path in all four places; and the CPU build's
     * profile must not be {@code activeByDefault}, which the file-activated profile would switch off
     * (the jar would carry no libtorch).
     */
    @Test
    void shouldPreloadOneJemallocInTheImageTheRunCommandAndTheBenchmarks() throws IOException {
        String pom = Files.readString(POM);
        Matcher profile = Pattern.compile("(?s)<profile>\\s*<id>jemalloc</id>(.*?)</profile>").matcher(pom);
        assertThat(profile.find()).as("the jemalloc profile in pom.xml").isTrue();
        Matcher exists = Pattern.compile("<exists>([^<]+)</exists>").matcher(profile.group(1));
        assertThat(exists.find()).as("its activation by the library's file").isTrue();
        String library = exists.group(1);
        assertThat(library).endsWith("/libjemalloc.so.2");
        assertThat(profile.group(1)).contains("<LD_PRELOAD>" + library + "</LD_PRELOAD>");

        assertThat(Files.readString(DOCKERFILE)).containsPattern("LD_PRELOAD=" + Pattern.quote(library) + "\\s");
        assertThat(Files.readString(BENCH_JVM_OPTIONS)).contains("SERVICE_PRELOAD_LIB=" + library + "\n");

        Matcher cpu = Pattern.compile("(?s)<profile>\\s*<id>cpu</id>(.*?)</profile>").matcher(pom);
        assertThat(cpu.find()).as("the cpu profile in pom.xml").isTrue();
        assertThat(cpu.group(1)).doesNotContain("activeByDefault").contains("<name>!cuda</name>", "pytorch-native-cpu");
    }

    @Test
    void shouldParseEveryYamlFileUnderDeploy() throws IOException {
        List<Path> files = deployYamlFiles();
        assertThat(files).hasSizeGreaterThanOrEqualTo(7);
        for (Path file : files) {
            List<Object> documents = new ArrayList<>();
            try (Reader reader = Files.newBufferedReader(file)) {
                new Yaml().loadAll(reader).forEach(documents::add);
            }
            assertThat(documents).as("%s", file).isNotEmpty().allSatisfy(document ->
                    assertThat(map(document)).as("a document of %s", file).containsKey("kind"));
        }
    }

    @Test
    void shouldConfigureThePodsOnlyWithVariablesTheServiceReads() throws IOException {
        Set<String> names = new TreeSet<>(map(yaml(K8S.resolve("configmap.yaml")).get("data")).keySet());
        names.addAll(map(yaml(K8S.resolve("secret.example.yaml")).get("stringData")).keySet());
        assertThat(knownVariables()).containsAll(names);
    }

    @Test
    void shouldProbeTheHealthGroupsTheServiceEnables() throws IOException {
        Map<String, Object> container = map(listOf(path(yaml(K8S.resolve("deployment.yaml")),
                "spec", "template", "spec", "containers")).get(0));
        assertThat(path(container, "livenessProbe", "httpGet", "path")).isEqualTo("/actuator/health/liveness");
        assertThat(path(container, "readinessProbe", "httpGet", "path")).isEqualTo("/actuator/health/readiness");
        assertThat(path(yaml(APPLICATION_YAML), "management", "endpoint", "health", "probes", "enabled"))
                .as("management.endpoint.health.probes.enabled").isEqualTo(true);
    }

    @Test
    void shouldShipTheCurrentRoutesInTheRoutesConfigMap() throws IOException {
        String stale = "stale: run deploy/k8s/make-routes-configmap.sh after editing routes/";
        Map<String, String> routes = new TreeMap<>();
        for (Path file : RouteFiles.all()) {
            routes.put(file.getFileName().toString(), Files.readString(file));
        }
        Map<String, Object> configMap = yaml(K8S.resolve("routes-configmap.yaml"));
        assertThat(new TreeMap<>(map(configMap.get("data")))).as("routes-configmap.yaml " + stale).isEqualTo(routes);
        Object annotation = path(yaml(K8S.resolve("deployment.yaml")),
                "spec", "template", "metadata", "annotations", "checksum/routes");
        assertThat(annotation).as("deployment.yaml checksum/routes " + stale).isEqualTo(routesChecksum(routes));
    }

    /** What make-routes-configmap.sh computes: sha256 of {@code sha256sum *.camel.yaml} in the C locale. */
    private static String routesChecksum(Map<String, String> routesByName) {
        StringBuilder listing = new StringBuilder();
        routesByName.forEach((name, content) -> listing.append(sha256(content)).append("  ").append(name).append('\n'));
        return sha256(listing.toString());
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Metric names in a PromQL expression: identifiers outside label matchers, ranges and grouping lists that are not functions. */
    static Set<String> metricNames(String expr) {
        String selectors = expr.replaceAll("\\{[^}]*}", " ")
                .replaceAll("\\[[^]]*]", " ")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
        Set<String> names = new LinkedHashSet<>();
        Matcher identifiers = IDENTIFIER.matcher(selectors);
        while (identifiers.find()) {
            String name = identifiers.group();
            String rest = selectors.substring(identifiers.end()).stripLeading();
            boolean function = rest.startsWith("(");
            boolean partOfNumber = identifiers.start() > 0 && Character.isDigit(selectors.charAt(identifiers.start() - 1));
            if (!function && !partOfNumber && !PROMQL_KEYWORDS.contains(name)) {
                names.add(name);
            }
        }
        return names;
    }

    private static Set<String> exposedSeriesNames() {
        Set<String> families = new TreeSet<>(OWN_METRICS.keySet());
        families.addAll(LIBRARY_METRICS);
        Set<String> series = new TreeSet<>(families);
        families.forEach(family -> DISTRIBUTION_SUFFIXES.forEach(suffix -> series.add(family + suffix)));
        return series;
    }

    private static Set<String> knownVariables() {
        return Stream.of(APPLICATION_YAML_VARIABLES, POST_PROCESSOR_VARIABLES, SECURITY_KEY_VARIABLES, RUNTIME_VARIABLES)
                .flatMap(Set::stream).collect(Collectors.toSet());
    }

    /** Compose takes {@code environment} as a map or as a list of {@code NAME=value}. */
    private static Set<String> environmentNames(Object environment) {
        if (environment instanceof Map<?, ?> variables) {
            return variables.keySet().stream().map(String::valueOf).collect(Collectors.toCollection(TreeSet::new));
        }
        return listOf(environment).stream().map(entry -> String.valueOf(entry).split("=", 2)[0])
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<Path> deployYamlFiles() throws IOException {
        try (Stream<Path> files = Files.walk(Path.of("deploy"))) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
                    .sorted().toList();
        }
    }

    private static String mainSources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            return files.filter(f -> f.toString().endsWith(".java")).map(f -> {
                try {
                    return Files.readString(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining("\n"));
        }
    }

    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file)) {
            return map(new Yaml().load(reader));
        }
    }

    private static Object path(Map<String, Object> root, String... keys) {
        Object node = root;
        for (String key : keys) {
            node = map(node).get(key);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object node) {
        assertThat(node).isInstanceOf(Map.class);
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> listOf(Object node) {
        assertThat(node).isInstanceOf(List.class);
        return (List<Object>) node;
    }
}
