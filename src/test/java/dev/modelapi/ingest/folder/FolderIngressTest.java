package dev.modelapi.ingest.folder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.modelapi.audit.AuditQueries;
import dev.modelapi.testsupport.FaultInjection;
import dev.modelapi.testsupport.RealServices;
import dev.modelapi.testsupport.TemporaryDirectories;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The watched folder with real files, the real demo models and a real PostgreSQL audit: JSONL and
 * CSV files answered into the outbox, a broken file moved to error/ with its reason, and a file
 * whose processing crashes between a chunk reaching the disk and its progress being recorded,
 * then resumes: every line answered once, none lost, none repeated.
 */
@SpringBootTest(properties = {
        "spring.main.allow-bean-definition-overriding=true",
        "modelapi.folder.enabled=true",
        "modelapi.folder.chunk-records=8",
        "modelapi.folder.retry-delay=300ms"})
@RealServices
@Import(FaultInjection.Config.class)
class FolderIngressTest {

    static final Path ROOT = TemporaryDirectories.make("folder-");

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) {
        registry.add("modelapi.folder.inbox", () -> ROOT.resolve("inbox").toString());
        registry.add("modelapi.folder.outbox", () -> ROOT.resolve("outbox").toString());
    }

    @Autowired
    FolderFiles folder;

    @Autowired
    ProducerTemplate routes;

    @Autowired
    FaultInjection models;

    @AfterEach
    void heal() {
        models.healAll();
    }

    @Autowired
    ObjectMapper json;

    @Autowired
    AuditQueries audit;

    @Test
    void shouldAnswerEveryLineOfAJsonlFileIntoTheOutboxAndMoveItToDone() throws Exception {
        String name = "mail-" + UUID.randomUUID() + ".jsonl";
        String content = String.join("\n",
                "{\"text\": \"Subject: Team lunch on Friday\\n\\nShall we book the usual place?\"}",
                "{\"text\": \"Subject: FREE VIAGRA!!! limited offer, click now $$$\"}",
                "",
                "this line is not json",
                "{\"text\": \"   \"}",
                "{\"texts\": [\"Subject: meeting notes\", \"Subject: you WON a prize\"], \"ensemble\": \"spam-default\"}",
                "{\"text\": \"Subject: last one\", \"models\": [\"spam-roberta\"]}") + "\n";

        drop(name, content);

        Path results = ROOT.resolve("outbox").resolve(name);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(results));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            lines.add(json.readTree(line));
        }
        assertThat(lines).extracting(l -> l.get("line").asInt()).containsExactly(1, 2, 4, 5, 6, 7);
        assertThat(lines.get(0).get("label").asText()).isIn("ham", "spam");
        assertThat(lines.get(1).get("models")).hasSize(3);
        assertThat(lines.get(2).at("/error/code").asText()).isEqualTo("malformed_json");
        assertThat(lines.get(3).at("/error/code").asText()).isEqualTo("empty_text");
        assertThat(lines.get(4).get("results")).hasSize(2);
        assertThat(lines.get(4).at("/results/0/ensemble/name").asText()).isEqualTo("spam-default");
        assertThat(lines.get(5).get("models")).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(ROOT.resolve("inbox/done").resolve(name)));
        assertThat(ROOT.resolve("inbox").resolve(name)).doesNotExist();

        String requestId = lines.get(0).get("requestId").asText();
        assertThat(requestId).startsWith("file:").endsWith(":1");
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestId) == 1);
        assertThat(audit.findByRequestId(requestId).get(0).channel()).isEqualTo("file");
    }

    @Test
    void shouldAnswerACsvFileKeepingItsColumns() throws Exception {
        String name = "rows-" + UUID.randomUUID() + ".csv";
        String content = "id,text,source\n"
                + "a1,\"Subject: Quarterly report, draft 2\n\nPlease review by Monday.\",mail\n"
                + "a2,\"Subject: Cheap meds, no prescription!!! Buy now\",web\n"
                + "a3,,web\n";

        drop(name, content);

        Path results = ROOT.resolve("outbox").resolve(name);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(results));
        List<Map<String, String>> rows = readCsv(results);
        assertThat(rows).extracting(r -> r.get("id")).containsExactly("a1", "a2", "a3");
        assertThat(rows.get(0).get("text")).contains("draft 2\n\nPlease review");
        assertThat(rows.get(0).get("source")).isEqualTo("mail");
        assertThat(rows.get(0).get("label")).isIn("ham", "spam");
        assertThat(Double.parseDouble(rows.get(1).get("score"))).isBetween(0.0, 1.0);
        assertThat(rows.get(1).get("degraded")).isEqualTo("false");
        assertThat(rows.get(1).get("error")).isEmpty();
        assertThat(rows.get(2).get("label")).isEmpty();
        assertThat(rows.get(2).get("error")).startsWith("empty_text:");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(ROOT.resolve("inbox/done").resolve(name)));
    }

    @Test
    void shouldMoveAFileItCannotReadToErrorWithTheReason() throws Exception {
        String name = "broken-" + UUID.randomUUID() + ".csv";

        drop(name, "id,body\n1,hello\n");

        Path failed = ROOT.resolve("inbox/error").resolve(name);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(failed));
        Path reason = ROOT.resolve("inbox/error").resolve(name + ".reason.txt");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(reason));
        assertThat(Files.readString(reason)).contains("no \"text\" column", "[id, body]");
        assertThat(ROOT.resolve("outbox").resolve(name)).doesNotExist();
    }

    @Test
    void shouldResumeAfterACrashWithoutLosingOrRepeatingALine() throws Exception {
        int total = 40;
        String run = UUID.randomUUID().toString();
        StringBuilder content = new StringBuilder();
        for (int i = 1; i <= total; i++) {
            content.append(json.writeValueAsString(Map.of("text", "Subject: message " + i + " of " + run))).append('\n');
        }
        // outside the inbox, so that the route does not take it: this test is the route
        Path input = Files.createDirectories(ROOT.resolve("elsewhere")).resolve("resume-" + run + ".jsonl");
        Files.writeString(input, content);
        Path outbox = ROOT.resolve("outbox");
        AtomicInteger checkpoints = new AtomicInteger();
        folder.crashPoint = () -> {
            if (checkpoints.incrementAndGet() == 3) {
                throw new SimulatedCrash();
            }
        };

        try {
            assertThatThrownBy(() -> process(input)).hasRootCauseInstanceOf(SimulatedCrash.class);
        } finally {
            folder.crashPoint = () -> { };
        }

        // on disk as a crash would leave it: three chunks written, two recorded as done
        JsonNode progress = json.readTree(outbox.resolve(input.getFileName() + ".progress").toFile());
        assertThat(progress.get("records").asInt()).isEqualTo(16);
        Path part = outbox.resolve(input.getFileName() + ".part");
        assertThat(Files.readAllLines(part)).hasSize(24);
        assertThat(Files.size(part)).isGreaterThan(progress.get("bytes").asLong());

        Path results = process(input); // the restart

        List<Integer> lineNumbers = new ArrayList<>();
        List<String> requestIds = new ArrayList<>();
        for (String line : Files.readAllLines(results)) {
            JsonNode result = json.readTree(line);
            lineNumbers.add(result.get("line").asInt());
            requestIds.add(result.get("requestId").asText());
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 1; i <= total; i++) {
            expected.add(i);
        }
        assertThat(lineNumbers).containsExactlyElementsOf(expected);
        assertThat(part).doesNotExist();
        assertThat(outbox.resolve(input.getFileName() + ".progress")).doesNotExist();
        // lines 17-24 ran twice (before and after the crash); their audit rows did not double
        await().atMost(Duration.ofSeconds(10)).until(() -> audit.countByRequestId(requestIds.get(39)) == 1);
        assertThat(requestIds).allSatisfy(id -> assertThat(audit.countByRequestId(id)).isEqualTo(1));
    }

    @Test
    void shouldTryARecordAgainUntilTheModelsAnswer() throws Exception {
        int callsBefore = failEveryModel();
        String name = "retried-" + UUID.randomUUID() + ".jsonl";

        drop(name, "{\"text\": \"Subject: tried again\"}\n");

        await().atMost(Duration.ofSeconds(30)).until(() -> models.calls("spam-roberta") > callsBefore);
        models.faults.clear();
        Path results = ROOT.resolve("outbox").resolve(name);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(results));
        JsonNode line = json.readTree(Files.readAllLines(results).get(0));
        assertThat(line.get("label").asText()).isIn("ham", "spam");
        assertThat(line.has("error")).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(ROOT.resolve("inbox/done").resolve(name)));
    }

    @Test
    void shouldFailTheFileWhenARecordsTriesAreSpent() throws Exception {
        int callsBefore = failEveryModel();
        String name = "doomed-" + UUID.randomUUID() + ".jsonl";

        drop(name, "{\"text\": \"Subject: never answered\"}\n");

        Path reason = ROOT.resolve("inbox/error").resolve(name + ".reason.txt");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(ROOT.resolve("inbox/error").resolve(name)));
        assertThat(Files.readString(reason)).startsWith("quorum_not_met: 0 of 3 models answered").contains("(line 1)");
        // modelapi.folder.tries (3) tries of the record by Camel's redelivery, and no more
        assertThat(models.calls("spam-roberta") - callsBefore).isEqualTo(3);
        assertThat(ROOT.resolve("outbox").resolve(name)).doesNotExist();
    }

    /** Every model of the default ensemble throws until healed; the calls of one of them so far. */
    private int failEveryModel() {
        List.of("spam-distilbert", "spam-roberta", "spam-deberta")
                .forEach(m -> models.faults.put(m, FaultInjection.Fault.THROW));
        return models.calls("spam-roberta");
    }

    /** The route's work on one file, as the file consumer hands it over; the results file. */
    private Path process(Path input) {
        Exchange done = routes.request("direct:folder-file", e -> {
            e.getIn().setBody(input.toFile());
            e.getIn().setHeader(Exchange.FILE_NAME_ONLY, input.getFileName().toString());
        });
        if (done.getException() != null) {
            throw new IllegalStateException("the file failed", done.getException());
        }
        return Path.of(done.getMessage().getHeader("ModelApiResults", String.class));
    }

    static final class SimulatedCrash extends RuntimeException {
        SimulatedCrash() {
            super("simulated crash between writing a chunk and recording it");
        }
    }

    private static void drop(String name, String content) throws IOException {
        // written next to the inbox and moved in, as a well-behaved producer does
        Path staging = Files.createDirectories(ROOT.resolve("staging")).resolve(name);
        Files.writeString(staging, content);
        Files.createDirectories(ROOT.resolve("inbox"));
        Files.move(staging, ROOT.resolve("inbox").resolve(name));
    }

    private static List<Map<String, String>> readCsv(Path file) throws IOException {
        try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerFor(Map.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
            return rows.readAll();
        }
    }
}
