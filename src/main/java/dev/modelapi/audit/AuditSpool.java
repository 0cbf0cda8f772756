package dev.modelapi.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.modelapi.securityevents.SecurityEvent;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.PollingConsumerPollStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bookkeeping of the on-disk spool that routes/audit.camel.yaml writes ({@code audit-spool}: one
 * JSON file per batch the database could not take, written under a temporary name and renamed)
 * and drains ({@code audit-spool-drain}: a file consumer, oldest file first, deleting a file once
 * its rows are in). It counts the rows waiting, for the {@code modelapi_audit_spool_rows} gauge,
 * and it is the drain's poll strategy: while the breaker {@code audit-database} is open (the last
 * write failed) the drain does not poll at all, so an outage costs one failed try per
 * {@code spool-drain-interval}, not one per spooled file.
 */
public class AuditSpool implements PollingConsumerPollStrategy {

    private static final Logger log = LoggerFactory.getLogger(AuditSpool.class);

    private final CircuitBreaker database;
    private final AtomicLong pendingRows = new AtomicLong();

    AuditSpool(Path directory, CircuitBreaker database, ObjectMapper json) {
        this.database = database;
        try {
            Files.createDirectories(directory);
            upgradeJsonLines(directory, json);
            for (Path file : files(directory, ".json")) {
                pendingRows.addAndGet(json.readTree(file.toFile()).size());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("audit spool " + directory + " is not usable", e);
        }
        if (pendingRows.get() > 0) {
            log.info("{} audit rows are spooled in {}; they go to the database once it takes them", pendingRows.get(),
                    directory);
        }
    }

    /** Rows waiting on disk for the database. */
    public long pendingRows() {
        return pendingRows.get();
    }

    /**
     * The end of a spool file's name before {@code .json} for these rows: {@code .security} for
     * security events (the drain reads such a file as security events), none for prediction rows.
     */
    public String suffixOf(List<?> rows) {
        return !rows.isEmpty() && rows.get(0) instanceof SecurityEvent ? ".security" : "";
    }

    /** The {@code audit-spooled} step: a file of {@code rows} rows is on disk. */
    public void spooled(int rows) {
        pendingRows.addAndGet(rows);
    }

    /** The {@code audit-drained} step: a spooled file's {@code rows} rows are in the database. */
    public void drained(int rows) {
        // never below 0: a file inserted whose delete failed is inserted again (adding nothing) and counted again
        long left = pendingRows.updateAndGet(pending -> Math.max(0, pending - rows));
        if (left <= 0) {
            log.info("Audit spool drained: every spooled row is in the database");
        }
    }

    /** Polls only while the database may take rows: the breaker is closed or lets a try through. */
    @Override
    public boolean begin(Consumer consumer, Endpoint endpoint) {
        return database.getState() != CircuitBreaker.State.OPEN;
    }

    @Override
    public void commit(Consumer consumer, Endpoint endpoint, int polledMessages) {
        // nothing to do: each file is committed (deleted) by the file consumer itself
    }

    @Override
    public boolean rollback(Consumer consumer, Endpoint endpoint, int retryCounter, Exception cause) {
        log.warn("Audit spool could not be listed ({}); trying again at the next poll", cause.getMessage());
        return false;
    }

    /**
     * Spool files of earlier versions held one JSON row per line ({@code .jsonl}); each becomes a
     * file of the JSON array the drain reads, under the same name, so rows spooled before an
     * upgrade are not left behind.
     */
    private static void upgradeJsonLines(Path directory, ObjectMapper json) throws IOException {
        for (Path old : files(directory, ".jsonl")) {
            String name = old.getFileName().toString();
            Path temporary = directory.resolve(".upgrading-" + name);
            var rows = json.createArrayNode();
            for (String line : Files.readAllLines(old, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    rows.add(json.readTree(line));
                }
            }
            json.writeValue(temporary.toFile(), rows);
            Files.move(temporary, directory.resolve(name.substring(0, name.length() - ".jsonl".length()) + ".json"),
                    StandardCopyOption.ATOMIC_MOVE);
            Files.delete(old);
        }
    }

    private static List<Path> files(Path directory, String suffix) throws IOException {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(suffix)).sorted().toList();
        }
    }
}
