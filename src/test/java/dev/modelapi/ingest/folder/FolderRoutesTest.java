package dev.modelapi.ingest.folder;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failures;
import dev.modelapi.testsupport.StubPipeline;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.ensemble.EnsembleMethod;
import dev.modelapi.ensemble.EnsembleResult;
import dev.modelapi.ensemble.ModelVote;
import dev.modelapi.errors.QuorumNotMetException;
import dev.modelapi.pipeline.PredictionTask;
import dev.modelapi.testsupport.RouteFiles;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.util.ObjectHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routes/ingress-folder.camel.yaml on its own, in a second or two: a file handed to
 * {@code direct:folder-file} as the file consumer hands it over, the pipeline stubbed (a text
 * holding "fail" fails with quorum_not_met, "flaky" fails its first try); the real step beans,
 * chunk aggregation, checkpoints and redelivery policy.
 */
class FolderRoutesTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;

    RouteFiles routes;
    ExecutorService pool;
    final AtomicInteger tries = new AtomicInteger();
    final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void load() throws Exception {
        Answers answers = new Answers(JSON);
        Failures failures = new Failures();
        FolderProperties settings = new FolderProperties(true, root.resolve("inbox"), root.resolve("outbox"), 2, "text", 3,
                Duration.ofMillis(10), Duration.ofSeconds(5));
        pool = Executors.newFixedThreadPool(2);
        routes = RouteFiles.of(Map.of(
                        "failures", failures,
                        "folderFiles", new FolderFiles(JSON, answers, failures, settings, new SimpleMeterRegistry()),
                        "folderChunkResults", new FolderChunkResults(),
                        "folderRedelivery", new FolderConfiguration().folderRedelivery(settings),
                        "folder-pool", pool,
                        "predictRequests", new StubPipeline.Requests()),
                Map.of("modelapi.folder.enabled", "true", "modelapi.folder.inbox", settings.inbox().toString()),
                "ingress-folder.camel.yaml")
                .with(new RouteBuilder() {
                    @Override
                    public void configure() {
                        from("direct:predict").routeId("stub-pipeline").routeConfigurationId("pass-errors-back").process(e -> {
                            tries.incrementAndGet();
                            for (Object item : e.getIn().getBody(List.class)) {
                                PredictionTask task = (PredictionTask) item;
                                if (task.text().contains("fail") || task.text().contains("flaky")
                                        && failedOnce.add(task.requestId())) {
                                    throw new QuorumNotMetException("0 of 1 models answered", Duration.ofSeconds(1));
                                }
                                task.answer(new EnsembleResult("ham", 0.8, EnsembleMethod.SOFT, 1, 0.6,
                                        List.of(new ModelVote("m", "1", "ham", Map.of("ham", 0.8, "spam", 0.2))),
                                        List.of(), null), false, 1);
                            }
                        });
                    }
                });
        // the file consumer is not started: the tests hand files to direct:folder-file
        routes.start();
        routes.camel().getRouteController().stopRoute("folder-predict");
    }

    @AfterEach
    void close() {
        routes.close();
        pool.shutdownNow();
    }

    @Test
    void shouldAnswerEveryRecordInOrderChunkByChunkWithARefusedOneAsItsErrorLine() throws Exception {
        Path input = write("mail.jsonl", "{\"text\": \"Subject: one\"}", "not json", "{\"text\": \"Subject: three\"}",
                "{\"text\": \"Subject: flaky four\"}", "{\"text\": \"Subject: five\"}");

        AtomicInteger checkpoints = new AtomicInteger();
        ((FolderFiles) routes.camel().getRegistry().lookupByName("folderFiles")).crashPoint = checkpoints::incrementAndGet;

        Exchange done = process(input);

        assertThat(done.getException()).isNull();
        Path results = root.resolve("outbox/mail.jsonl");
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            lines.add(JSON.readTree(line));
        }
        assertThat(lines).extracting(l -> l.get("line").asInt()).containsExactly(1, 2, 3, 4, 5);
        assertThat(lines.get(1).at("/error/code").asText()).isNotEmpty();
        assertThat(lines.get(3).get("label").asText()).isEqualTo("ham"); // answered on its second try
        // chunks of 2: three checkpoints, each after its records
        assertThat(checkpoints.get()).isEqualTo(3);
        assertThat(root.resolve("outbox/mail.jsonl.progress")).doesNotExist();
    }

    @Test
    void shouldFailTheFileAtTheCheckpointOfAChunkWithARecordGivenUp() throws Exception {
        Path input = write("doomed.jsonl", "{\"text\": \"Subject: one\"}", "{\"text\": \"Subject: two\"}",
                "{\"text\": \"Subject: fail three\"}", "{\"text\": \"Subject: four\"}");

        Exchange done = process(input);

        assertThat(ObjectHelper.getException(RecordFailedException.class, done.getException()))
                .hasMessage("quorum_not_met: 0 of 1 models answered (line 3)");
        assertThat(Files.readString(root.resolve("inbox/error/doomed.jsonl.reason.txt")))
                .startsWith("quorum_not_met: 0 of 1 models answered (line 3)");
        // the first chunk is recorded; the failed one is not, so moving the file back resumes at line 3
        assertThat(JSON.readTree(root.resolve("outbox/doomed.jsonl.progress").toFile()).get("records").asInt())
                .isEqualTo(2);
        // chunk 1: a try each; chunk 2: line 4 once, line 3 its three tries (Camel's redelivery)
        assertThat(tries.get()).isEqualTo(6);
        assertThat(RouteFiles.steps(done)).contains("folder-open", "folder-chunks");
    }

    @Test
    void shouldFailAFileThatCannotBeReadAtOnce() throws Exception {
        Path input = write("rows.csv", "id,body", "1,hello");

        Exchange done = process(input);

        assertThat(ObjectHelper.getException(UnreadableFileException.class, done.getException())).isNotNull();
        assertThat(Files.readString(root.resolve("inbox/error/rows.csv.reason.txt"))).contains("no \"text\" column");
        assertThat(tries.get()).isZero();
    }

    private Path write(String name, String... lines) throws Exception {
        Path input = Files.createDirectories(root.resolve("elsewhere")).resolve(name);
        Files.writeString(input, String.join("\n", lines) + "\n");
        return input;
    }

    private Exchange process(Path input) {
        return routes.camel().createProducerTemplate().send("direct:folder-file", e -> {
            e.getIn().setBody(input.toFile());
            e.getIn().setHeader(Exchange.FILE_NAME_ONLY, input.getFileName().toString());
        });
    }
}
