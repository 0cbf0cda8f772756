package dev.modelapi.ingest.folder;

import dev.modelapi.ingest.Answers;
import dev.modelapi.ingest.Failure;
import dev.modelapi.ingest.Failures;
import dev.modelapi.ingest.HttpExchanges;
import dev.modelapi.digest.Sha256;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The steps of the watched-folder ingress (routes/ingress-folder.camel.yaml): one input file of
 * the inbox, streamed in chunks of records whose records go through the shared pipeline together,
 * each chunk's results appended to the outbox and checkpointed ({@link ResultFile}: a restart
 * resumes after the last recorded chunk, without losing or repeating a result). JSONL: one
 * request per line, as the HTTP body; the results are JSONL with the input's {@code line}. CSV: a
 * header row and a text column; the results are the input's columns plus {@code label},
 * {@code score}, {@code degraded} and {@code error}. A record the pipeline refuses (bad JSON, an
 * empty text) gets its error in the results; a file that cannot be read at all, or a record that
 * keeps failing after its redeliveries, fails the file (the route moves it to {@code error/}).
 */
@Component("folderFiles")
public class FolderFiles {

    static final String CHANNEL = "file";
    /** Exchange properties: the file in progress (on the file's exchange), the record (on a record's). */
    static final String FILE_PROPERTY = "folderFile";
    static final String RECORD_PROPERTY = "folderRecord";
    private static final List<String> CSV_RESULT_COLUMNS = List.of("label", "score", "degraded", "error");
    private static final Logger log = LoggerFactory.getLogger(FolderFiles.class);

    private final ObjectMapper json;
    private final CsvMapper csv = new CsvMapper();
    private final Answers answers;
    private final Failures failures;
    private final FolderProperties settings;
    private final Counter recordsAnswered;
    private final Counter recordsRefused;
    private final Counter filesDone;
    private final Counter filesFailed;
    private final AtomicLong recordsDone = new AtomicLong();
    private final AtomicLong recordsTotal = new AtomicLong();
    /** Tests stop here to crash between a chunk reaching the disk and its progress being recorded. */
    volatile Runnable crashPoint = () -> { };

    public FolderFiles(ObjectMapper json, Answers answers, Failures failures, FolderProperties settings,
            MeterRegistry meters) {
        this.json = json;
        this.answers = answers;
        this.failures = failures;
        this.settings = settings;
        this.recordsAnswered = recordCounter("answered", meters);
        this.recordsRefused = recordCounter("refused", meters);
        this.filesDone = fileCounter("done", meters);
        this.filesFailed = fileCounter("failed", meters);
        Gauge.builder("modelapi.folder.file.records.done", recordsDone, AtomicLong::get)
                .description("Records of the file in progress that are answered").register(meters);
        Gauge.builder("modelapi.folder.file.records", recordsTotal, AtomicLong::get)
                .description("Records of the file in progress").register(meters);
    }

    private static Counter recordCounter(String outcome, MeterRegistry meters) {
        return Counter.builder("modelapi.folder.records").description("Input records answered or refused")
                .tag("outcome", outcome).register(meters);
    }

    private static Counter fileCounter(String outcome, MeterRegistry meters) {
        return Counter.builder("modelapi.folder.files").description("Input files finished, by outcome")
                .tag("outcome", outcome).register(meters);
    }

    /** An input file while its records are answered: where its results go and how far they are. */
    static final class InputFile implements Closeable {
        final String name;
        final Format format;
        final String fileId;
        final long total;
        final ResultFile results;
        final Records records;
        long done;
        long lastLog = System.nanoTime();

        InputFile(String name, Format format, String fileId, long total, ResultFile results, Records records) {
            this.name = name;
            this.format = format;
            this.fileId = fileId;
            this.total = total;
            this.results = results;
            this.records = records;
            this.done = results.recordsDone();
        }

        @Override
        public void close() throws IOException {
            try (records; results) {
                // both closed, whatever the outcome of the file
            }
        }
    }

    /**
     * The {@code folder-open} step: opens the input (body: the file) and its results in the outbox,
     * resuming after the records an earlier run recorded as done; the body becomes the chunks of
     * records still to answer, streamed ({@code modelapi.folder.chunk-records} each). Input and
     * results are closed when the exchange completes, whatever its outcome.
     */
    public Iterator<List<Record>> open(Exchange exchange) throws IOException {
        Path input = exchange.getIn().getBody(File.class).toPath();
        String name = input.getFileName().toString();
        Format format = Format.of(name);
        String fileId = sha256Prefix(input);
        long total = readable(() -> {
            try (Records counting = format.open(this, input)) {
                return counting.count();
            }
        }, name);
        recordsTotal.set(total);
        Records records = readable(() -> format.open(this, input), name);
        ResultFile results;
        try {
            results = ResultFile.open(json, settings.outbox(), name, () -> crashPoint.run());
        } catch (IOException | RuntimeException e) {
            records.close();
            throw e;
        }
        InputFile file = new InputFile(name, format, fileId, total, results, records);
        exchange.setProperty(FILE_PROPERTY, file);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                try {
                    file.close();
                } catch (IOException e) {
                    log.warn("{}: could not close: {}", name, e.getMessage());
                }
            }
        });
        if (file.done > 0) {
            log.info("{}: resuming after record {} of {}", name, file.done, total);
        } else if (format == Format.CSV) {
            results.append(csvHeader(records.columns()), 0);
        }
        records.skip(file.done);
        recordsDone.set(file.done);
        return chunks(records, settings.chunkRecords(), name);
    }

    /**
     * The {@code folder-record} step, first of every try of a record (body: the record; a
     * redelivery starts here again, the record kept aside): the body becomes the record's request
     * and the request id {@code file:<file sha-256 prefix>:<record number>}, the same on every try
     * and after a restart, so its audit row is written once.
     */
    public String begin(Exchange exchange) {
        Record record;
        if (exchange.getIn().getBody() instanceof Record first) {
            record = first;
            exchange.setProperty(RECORD_PROPERTY, record);
        } else {
            record = exchange.getProperty(RECORD_PROPERTY, Record.class); // a redelivery: the body is the failed try's tasks
        }
        InputFile file = exchange.getProperty(FILE_PROPERTY, InputFile.class);
        exchange.setProperty(HttpExchanges.REQUEST_ID_PROPERTY, "file:" + file.fileId + ":" + record.number());
        return record.request();
    }

    /** The {@code folder-result} step: the record's answered tasks (body) become its line of results. */
    @SuppressWarnings("unchecked")
    public byte[] result(Exchange exchange) throws IOException {
        recordsAnswered.increment();
        return line(exchange, exchange.getIn().getBody(List.class), null);
    }

    /** The {@code folder-refused} step of the invalid-request clause: the record's error as its line of results. */
    public byte[] refused(Exchange exchange) throws IOException {
        recordsRefused.increment();
        return line(exchange, null, failures.recorded(exchange));
    }

    /** The record's line of results in its file's format: its answer, or its error. */
    private byte[] line(Exchange exchange, List<PredictionTask> tasks, Failure failure) throws IOException {
        InputFile file = exchange.getProperty(FILE_PROPERTY, InputFile.class);
        Record record = exchange.getProperty(RECORD_PROPERTY, Record.class);
        return file.format == Format.JSONL
                ? jsonLine(record, tasks, failure, exchange.getProperty(HttpExchanges.REQUEST_ID_PROPERTY, String.class))
                : csvLine(file.records.columns(), record.row(), tasks == null ? null : tasks.get(0), failure);
    }

    /** A record given up on, in place of its line of results: its chunk is not checkpointed and the file fails. */
    record GaveUp(long number, Failure failure) {
    }

    /**
     * The {@code folder-give-up} step of the record's error clauses (after its redeliveries, if
     * any): the record's result is that it was given up.
     */
    public GaveUp giveUp(Exchange exchange) {
        Record record = exchange.getProperty(RECORD_PROPERTY, Record.class);
        if (record == null) {
            record = exchange.getIn().getBody(Record.class); // failed before its first step
        }
        return new GaveUp(record == null ? 0 : record.number(), failures.recorded(exchange));
    }

    /**
     * The {@code folder-checkpoint} step (body: the chunk's lines of results, in record order, from
     * the split's aggregation {@link FolderChunkResults}): appended to the results and recorded as
     * done; a record given up fails the file instead, the chunk not recorded.
     */
    @SuppressWarnings("unchecked")
    public void checkpoint(Exchange exchange) throws IOException {
        InputFile file = exchange.getProperty(FILE_PROPERTY, InputFile.class);
        List<Object> lines = exchange.getIn().getBody(List.class);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object line : lines) {
            if (line instanceof GaveUp gaveUp) {
                String where = file.format == Format.JSONL ? "line " : "row ";
                throw new RecordFailedException(gaveUp.failure().code() + ": " + gaveUp.failure().message() + " ("
                        + where + gaveUp.number() + ")");
            }
            out.write((byte[]) line);
        }
        file.results.append(out.toByteArray(), file.done + lines.size());
        file.done += lines.size();
        recordsDone.set(file.done);
        if (System.nanoTime() - file.lastLog > settings.progressInterval().toNanos()) {
            log.info("{}: {} of {} records done", file.name, file.done, file.total);
            file.lastLog = System.nanoTime();
        }
    }

    /** The {@code folder-complete} step: every record answered, the results take the input's name in the outbox. */
    public void complete(Exchange exchange) throws IOException {
        InputFile file = exchange.getProperty(FILE_PROPERTY, InputFile.class);
        Path finished = file.results.complete();
        log.info("{}: all {} records done, results in {}", file.name, file.done, finished);
        exchange.getIn().setHeader("ModelApiResults", finished.toString());
    }

    /** The route's {@code folder-failed} step: why the file failed, next to it in {@code error/}. */
    public void failed(Exchange exchange) throws IOException {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        InputFile file = exchange.getProperty(FILE_PROPERTY, InputFile.class);
        String name = file != null ? file.name : exchange.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        Path errors = settings.inbox().resolve("error");
        Files.createDirectories(errors);
        // the file's own reasons say it in full; anything else is named by its root cause
        RuntimeException known = org.apache.camel.util.ObjectHelper.getException(UnreadableFileException.class, cause);
        if (known == null) {
            known = org.apache.camel.util.ObjectHelper.getException(RecordFailedException.class, cause);
        }
        String reason = known != null ? known.getMessage()
                : cause == null ? "unknown" : rootOf(cause).getClass().getSimpleName() + ": " + rootOf(cause).getMessage();
        Files.writeString(errors.resolve(name + ".reason.txt"), reason + "\n"
                + "Results so far are in the outbox (" + name + ".part); move the file back into the inbox to resume.\n");
        log.warn("{}: failed, moved to error/: {}", name, reason);
        filesFailed.increment();
    }

    /** The route's {@code folder-done} step. */
    public void done() {
        filesDone.increment();
    }

    /** The records as chunks of at most {@code size}, streamed: one chunk in memory at a time. */
    static Iterator<List<Record>> chunks(Records records, int size, String name) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return readable(records::hasNext, name);
            }

            @Override
            public List<Record> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<Record> chunk = new ArrayList<>(size);
                while (chunk.size() < size && readable(records::hasNext, name)) {
                    chunk.add(readable(records::next, name));
                }
                return chunk;
            }
        };
    }

    /** A read of the input; what fails to read (bad UTF-8, a row that does not parse) makes the file unreadable. */
    private static <T> T readable(java.util.concurrent.Callable<T> read, String name) {
        try {
            return read.call();
        } catch (UnreadableFileException e) {
            throw e;
        } catch (Exception e) {
            Throwable cause = e instanceof UncheckedIOException unchecked ? unchecked.getCause() : e;
            throw new UnreadableFileException(name + " cannot be read: " + cause.getClass().getSimpleName() + ": "
                    + cause.getMessage(), e);
        }
    }

    private static Throwable rootOf(Throwable thrown) {
        Throwable root = thrown;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root;
    }

    private byte[] jsonLine(Record record, List<PredictionTask> tasks, Failure failure, String requestId)
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

    private byte[] csvLine(List<String> columns, Map<String, String> row, PredictionTask task, Failure failure)
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
                throw new UnreadableFileException("the CSV has no \"" + textColumn + "\" column (its columns: "
                        + columns + "); set modelapi.folder.csv-text-column", null);
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
