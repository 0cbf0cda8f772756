package dev.modelapi.audit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audit rows the database could not take, kept on disk until it can: each failed batch becomes
 * one JSON-lines file in the spool directory, written to a temporary name, forced to disk and
 * renamed, so a crash leaves whole files only. {@link #drain()} writes the files back in order
 * and deletes each once the database has it; the insert ignores rows already there, so a file
 * written twice (a crash between insert and delete) adds nothing.
 */
public class AuditSpool {

    private static final Logger log = LoggerFactory.getLogger(AuditSpool.class);

    private final Path directory;
    private final AuditWriter writer;
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private final AtomicLong pendingRows = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();

    AuditSpool(Path directory, AuditWriter writer) {
        this.directory = directory;
        this.writer = writer;
        try {
            Files.createDirectories(directory);
            for (Path file : files()) {
                pendingRows.addAndGet(Files.readAllLines(file).stream().filter(l -> !l.isBlank()).count());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("audit spool " + directory + " is not usable", e);
        }
    }

    /** Rows waiting on disk for the database. */
    public long pendingRows() {
        return pendingRows.get();
    }

    /** Keeps rows on disk; they reach the database with the next successful {@link #drain()}. */
    public synchronized void spool(List<AuditRecord> rows) {
        if (rows.isEmpty()) {
            return;
        }
        String name = String.format("%020d-%06d", System.currentTimeMillis(), sequence.incrementAndGet() % 1_000_000);
        Path temporary = directory.resolve(name + ".tmp");
        Path file = directory.resolve(name + ".jsonl");
        try {
            StringBuilder lines = new StringBuilder();
            for (AuditRecord row : rows) {
                lines.append(json.writeValueAsString(row)).append('\n');
            }
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
            pendingRows.addAndGet(rows.size());
        } catch (IOException e) {
            throw new UncheckedIOException("could not spool " + rows.size() + " audit rows to " + directory, e);
        }
    }

    /**
     * The {@code audit-spool-drain} step: spooled rows to the database, oldest file first; stops at
     * the first file the database refuses (it is still down) and leaves it for the next run.
     *
     * @return rows written
     */
    public synchronized long drain() {
        long written = 0;
        for (Path file : files()) {
            List<AuditRecord> rows = read(file);
            try {
                writer.write(rows);
            } catch (RuntimeException | AssertionError e) {
                log.info("Audit database still unavailable; {} rows stay spooled", pendingRows.get());
                break;
            }
            try {
                Files.delete(file);
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete spooled audit file " + file, e);
            }
            pendingRows.addAndGet(-rows.size());
            written += rows.size();
        }
        if (written > 0) {
            log.info("Wrote {} spooled audit rows; {} still spooled", written, pendingRows.get());
        }
        return written;
    }

    private List<AuditRecord> read(Path file) {
        try {
            List<AuditRecord> rows = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    rows.add(json.readValue(line, AuditRecord.class));
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read spooled audit file " + file, e);
        }
    }

    private List<Path> files() {
        try (Stream<Path> listing = Files.list(directory)) {
            return listing.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
