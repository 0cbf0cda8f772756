package dev.modelapi.ingest;

import dev.modelapi.digest.Sha256;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.modelapi.errors.InvalidRequestException;
import dev.modelapi.pipeline.PredictionTask;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The {@code folder-process} step: one input file of the inbox, streamed in chunks of records
 * through the shared pipeline ({@code direct:predict}), its results appended to the outbox as
 * they come ({@link ResultFile}: a restart resumes after the last recorded chunk, without losing
 * or repeating a result). JSONL: one request per line, as the HTTP body; the results are JSONL with
 * the input's {@code line}. CSV: a header row and a text column; the results are the input's
 * columns plus {@code label}, {@code score}, {@code degraded} and {@code error}. A record the
 * pipeline refuses (bad JSON, an empty text) gets its error in the results; a file that cannot be
 * read at all, or whose chunks keep failing, fails (the route moves it to {@code error/}).
 */
@Component("folderFiles")
public class FolderFiles implements Processor {

    static final String CHANNEL = "file";
    private static final List<String> CSV_RESULT_COLUMNS = List.of("label", "score", "degraded", "error");
    private static final Logger log = LoggerFactory.getLogger(FolderFiles.class);

    private final ObjectMapper json;
    private final CsvMapper csv = new CsvMapper();
    private final PredictRequests requests;
    private final Answers answers;
    private final ProducerTemplate pipeline;
    private final FolderProperties settings;
    private final MeterRegistry meters;
    private final AtomicLong recordsDone = new AtomicLong();
    private final AtomicLong recordsTotal = new AtomicLong();
    /** Tests stop here to crash between a chunk reaching the disk and its progress being recorded. */
    volatile Runnable crashPoint = () -> { };

    public FolderFiles(ObjectMapper json, PredictRequests requests, Answers answers, ProducerTemplate pipeline,
            FolderProperties settings, MeterRegistry meters) {
        this.json = json;
        this.requests = requests;
        this.answers = answers;
        this.pipeline = pipeline;
        this.settings = settings;
        this.meters = meters;
        Gauge.builder("modelapi.folder.file.records.done", recordsDone, AtomicLong::get)
                .description("Records of the file in progress that are answered").register(meters);
        Gauge.builder("modelapi.folder.file.records", recordsTotal, AtomicLong::get)
                .description("Records of the file in progress").register(meters);
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        File file = exchange.getIn().getBody(File.class);
        Path written = process(file.toPath());
        exchange.getIn().setHeader("ModelApiResults", written.toString());
    }

    /** Answers every record of the file; returns the results file. */
    public Path process(Path input) throws IOException, InterruptedException {
        String name = input.getFileName().toString();
        Format format = Format.of(name);
        String fileId = sha256Prefix(input);
        long total;
        try (Records counting = format.open(this, input)) {
            total = counting.count();
        }
        recordsTotal.set(total);
        try (Records records = format.open(this, input);
                ResultFile results = ResultFile.open(json, settings.outbox(), name, () -> crashPoint.run())) {
            long done = results.recordsDone();
            if (done > 0) {
                log.info("{}: resuming after record {} of {}", name, done, total);
            } else if (format == Format.CSV) {
                results.append(csvHeader(records.columns()), 0);
            }
            records.skip(done);
            recordsDone.set(done);
            long lastLog = System.nanoTime();
            while (records.hasNext()) {
                List<Record> chunk = new ArrayList<>(settings.chunkRecords());
                while (records.hasNext() && chunk.size() < settings.chunkRecords()) {
                    chunk.add(records.next());
                }
                byte[] out = answer(format, fileId, records.columns(), chunk);
                done += chunk.size();
                results.append(out, done);
                recordsDone.set(done);
                if (System.nanoTime() - lastLog > settings.progressInterval().toNanos()) {
                    log.info("{}: {} of {} records done", name, done, total);
                    lastLog = System.nanoTime();
                }
            }
            Path finished = results.complete();
            log.info("{}: all {} records done, results in {}", name, done, finished);
            return finished;
        }
    }

    /** The route's {@code folder-failed} step: why the file failed, next to it in {@code error/}. */
    public void failed(Exchange exchange) throws IOException {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String name = exchange.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        Path errors = settings.inbox().resolve("error");
        Files.createDirectories(errors);
        String reason = cause == null ? "unknown" : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        Files.writeString(errors.resolve(name + ".reason.txt"), reason + "\n"
                + "Results so far are in the outbox (" + name + ".part); move the file back into the inbox to resume.\n");
        log.warn("{}: failed, moved to error/: {}", name, reason);
        Counter.builder("modelapi.folder.files").description("Input files finished, by outcome")
                .tag("outcome", "failed").register(meters).increment();
    }

    /** The route's {@code folder-done} step. */
    public void done() {
        Counter.builder("modelapi.folder.files").description("Input files finished, by outcome")
                .tag("outcome", "done").register(meters).increment();
    }

    /** One chunk through the pipeline; the bytes of its results, in record order. */
    private byte[] answer(Format format, String fileId, List<String> columns, List<Record> chunk)
            throws IOException, InterruptedException {
        Map<Record, List<PredictionTask>> accepted = new LinkedHashMap<>();
        Map<Record, Answers.Failure> refused = new LinkedHashMap<>();
        for (Record record : chunk) {
            String requestId = "file:" + fileId + ":" + record.number();
            try {
                accepted.put(record, requests.any(record.request(), requestId, CHANNEL, "anonymous", ""));
            } catch (InvalidRequestException e) {
                refused.put(record, answers.classify(e, requestId));
            }
        }
        runWithTries(accepted, refused, fileId);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Record record : chunk) {
            Answers.Failure failure = refused.get(record);
            List<PredictionTask> tasks = accepted.get(record);
            if (format == Format.JSONL) {
                out.write(jsonLine(record, tasks, failure, "file:" + fileId + ":" + record.number()));
            } else {
                out.write(csvLine(columns, record.row(), failure == null ? tasks.get(0) : null, failure));
            }
        }
        Counter.builder("modelapi.folder.records").description("Input records answered or refused")
                .tag("outcome", "answered").register(meters).increment(chunk.size() - refused.size());
        Counter.builder("modelapi.folder.records").description("Input records answered or refused")
                .tag("outcome", "refused").register(meters).increment(refused.size());
        return out.toByteArray();
    }

    /**
     * The chunk's tasks in one pipeline call (they can share batches). A record the pipeline
     * refuses (a 4xx, such as an empty text) is found by trying the records one by one; a failure
     * that may pass is tried again, and after the last try fails the file.
     */
    private void runWithTries(Map<Record, List<PredictionTask>> accepted, Map<Record, Answers.Failure> refused,
            String fileId) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                pipeline.requestBody("direct:predict", accepted.values().stream().flatMap(List::stream).toList());
                return;
            } catch (RuntimeException whole) {
                Answers.Failure failure = answers.classify(whole, "file:" + fileId);
                if (failure.retryable()) {
                    if (attempt >= settings.tries()) {
                        throw new IllegalStateException("a chunk failed " + attempt + " times: " + failure.code() + " "
                                + failure.message(), whole);
                    }
                    Thread.sleep(settings.retryDelay().toMillis());
                    continue;
                }
                // some record is at fault: answer them one at a time
                for (Map.Entry<Record, List<PredictionTask>> each : List.copyOf(accepted.entrySet())) {
                    try {
                        pipeline.requestBody("direct:predict", each.getValue());
                    } catch (RuntimeException single) {
                        Answers.Failure one = answers.classify(single, each.getValue().get(0).requestId());
                        if (one.retryable()) {
                            throw new IllegalStateException("a record failed: " + one.code() + " " + one.message(), single);
                        }
                        refused.put(each.getKey(), one);
                        accepted.remove(each.getKey());
                    }
                }
                return;
            }
        }
    }

    private byte[] jsonLine(Record record, List<PredictionTask> tasks, Answers.Failure failure, String requestId)
            throws IOException {
        ObjectNode line = json.createObjectNode();
        line.put("line", record.number());
        if (failure != null) {
            line.setAll(answers.errorBody(failure.code(), failure.message(), requestId));
        } else if (json.readTree(record.request()).has("texts")) {
            line.setAll(answers.results(requestId, tasks));
        } else {
            line.setAll(answers.result(tasks.get(0)));
        }
        return (json.writeValueAsString(line) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private byte[] csvLine(List<String> columns, Map<String, String> row, PredictionTask task, Answers.Failure failure)
            throws IOException {
        List<String> values = new ArrayList<>();
        columns.forEach(c -> values.add(row.getOrDefault(c, "")));
        values.add(task == null ? "" : task.result().label());
        values.add(task == null ? "" : Double.toString(task.result().score()));
        values.add(task == null ? "" : Boolean.toString(task.result().degraded()));
        values.add(failure == null ? "" : failure.code() + ": " + failure.message());
        return csv.writer(CsvSchema.emptySchema()).writeValueAsBytes(List.of(values));
    }

    private byte[] csvHeader(List<String> columns) throws IOException {
        List<String> header = new ArrayList<>(columns);
        header.addAll(CSV_RESULT_COLUMNS);
        return csv.writer(CsvSchema.emptySchema()).writeValueAsBytes(List.of(header));
    }

    private static String sha256Prefix(Path input) throws IOException {
        try (InputStream in = Files.newInputStream(input)) {
            return Sha256.hex(in).substring(0, 16);
        }
    }

    /** One input record: its number (JSONL: the line; CSV: the data row), the request body, the CSV row. */
    record Record(long number, String request, Map<String, String> row) {
    }

    enum Format {
        JSONL, CSV;

        static Format of(String name) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.endsWith(".jsonl")) {
                return JSONL;
            }
            if (lower.endsWith(".csv")) {
                return CSV;
            }
            throw new IllegalArgumentException(name + " is neither .jsonl nor .csv");
        }

        Records open(FolderFiles owner, Path input) throws IOException {
            return this == JSONL ? new JsonLines(input) : new CsvRows(owner, input);
        }
    }

    /** Records in file order, streamed. */
    interface Records extends Iterator<Record>, Closeable {

        /** The CSV columns; empty for JSONL. */
        List<String> columns();

        default void skip(long count) {
            for (long i = 0; i < count && hasNext(); i++) {
                next();
            }
        }

        default long count() {
            long n = 0;
            while (hasNext()) {
                next();
                n++;
            }
            return n;
        }
    }

    /** JSONL: one request per non-blank line; the record number is the line number. */
    static final class JsonLines implements Records {
        private final BufferedReader reader;
        private long lineNumber;
        private Record next;

        JsonLines(Path input) throws IOException {
            reader = Files.newBufferedReader(input, StandardCharsets.UTF_8);
        }

        @Override
        public boolean hasNext() {
            try {
                while (next == null) {
                    String line = reader.readLine();
                    if (line == null) {
                        return false;
                    }
                    lineNumber++;
                    if (!line.isBlank()) {
                        next = new Record(lineNumber, line, Map.of());
                    }
                }
                return true;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Record next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            Record record = next;
            next = null;
            return record;
        }

        @Override
        public List<String> columns() {
            return List.of();
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /** CSV with a header row; the text column becomes {@code {"text": ...}}. */
    static final class CsvRows implements Records {
        private final MappingIterator<Map<String, String>> rows;
        private final List<String> columns;
        private final String textColumn;
        private final ObjectMapper json;
        private long rowNumber;

        CsvRows(FolderFiles owner, Path input) throws IOException {
            this.json = owner.json;
            this.textColumn = owner.settings.csvTextColumn();
            this.rows = owner.csv.readerFor(Map.class).with(CsvSchema.emptySchema().withHeader())
                    .readValues(Files.newBufferedReader(input, StandardCharsets.UTF_8));
            rows.hasNext(); // reads the header row into the parser's schema
            List<String> names = new ArrayList<>();
            ((CsvSchema) rows.getParser().getSchema()).forEach(c -> names.add(c.getName()));
            this.columns = List.copyOf(names);
            if (!columns.contains(textColumn)) {
                throw new IllegalArgumentException("the CSV has no \"" + textColumn + "\" column (its columns: "
                        + columns + "); set modelapi.folder.csv-text-column");
            }
        }

        @Override
        public boolean hasNext() {
            return rows.hasNext();
        }

        @Override
        public Record next() {
            Map<String, String> row = rows.next();
            rowNumber++;
            String text = row.get(textColumn);
            try {
                return new Record(rowNumber, json.writeValueAsString(Map.of("text", text == null ? "" : text)), row);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public List<String> columns() {
            return columns;
        }

        @Override
        public void close() throws IOException {
            rows.close();
        }
    }
}
