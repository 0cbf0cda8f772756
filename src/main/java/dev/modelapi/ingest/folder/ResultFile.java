package dev.modelapi.ingest.folder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;

/**
 * The results of one input file while they are written: {@code <outbox>/<name>.part}, and
 * {@code <name>.progress} saying how many input records are done and how many bytes of the part
 * file hold their results. Each chunk is appended and forced to disk before the progress file is
 * replaced (atomically), so after a crash at any point, reopening truncates the part file to what
 * the progress file vouches for and the input resumes after the records it names: no result is
 * lost and none is written twice. The finished file is renamed to {@code <outbox>/<name>}.
 */
final class ResultFile implements Closeable {

    private final ObjectMapper json;
    private final Path part;
    private final Path progress;
    private final Path finished;
    private final FileChannel channel;
    private final Runnable beforeCheckpoint;
    private long records;
    private long bytes;

    private ResultFile(ObjectMapper json, Path outbox, String name, Runnable beforeCheckpoint) throws IOException {
        this.json = json;
        this.beforeCheckpoint = beforeCheckpoint;
        Files.createDirectories(outbox);
        this.part = outbox.resolve(name + ".part");
        this.progress = outbox.resolve(name + ".progress");
        this.finished = outbox.resolve(name);
        if (Files.exists(progress) && Files.exists(part)) {
            JsonNode saved = json.readTree(progress.toFile());
            records = saved.get("records").asLong();
            bytes = saved.get("bytes").asLong();
        }
        channel = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        if (channel.size() < bytes) {
            throw new IOException(part + " is shorter (" + channel.size() + " bytes) than its progress file says ("
                    + bytes + "); remove both to start the file again");
        }
        channel.truncate(bytes);
        channel.position(bytes);
    }

    /**
     * Opens the results of {@code name}, resuming where an earlier run stopped.
     *
     * @param beforeCheckpoint runs between a chunk reaching the disk and its progress being
     *        recorded (the worst moment to crash; tests stop there)
     */
    static ResultFile open(ObjectMapper json, Path outbox, String name, Runnable beforeCheckpoint) throws IOException {
        return new ResultFile(json, outbox, name, beforeCheckpoint);
    }

    /** Input records whose results are already written. */
    long recordsDone() {
        return records;
    }

    /** Appends the results of records up to {@code recordsDone}, then records that they are done. */
    void append(byte[] data, long recordsDone) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        channel.force(false);
        beforeCheckpoint.run();
        Path next = progress.resolveSibling(progress.getFileName() + ".tmp");
        Files.writeString(next, json.writeValueAsString(Map.of("records", recordsDone, "bytes", bytes + data.length)));
        Files.move(next, progress, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        records = recordsDone;
        bytes += data.length;
    }

    /** The whole input is done: the results take the input's name in the outbox. */
    Path complete() throws IOException {
        channel.close();
        Files.move(part, finished, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(progress);
        return finished;
    }

    @Override
    public void close() throws IOException {
        if (channel.isOpen()) {
            channel.close();
        }
    }
}
