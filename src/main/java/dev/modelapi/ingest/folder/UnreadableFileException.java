package dev.modelapi.ingest.folder;

/**
 * An input file of the watched folder that cannot be read as records: not UTF-8, a CSV without
 * the text column, a row that does not parse. The file is at fault, not the service: it fails at
 * once, without retries, with this message as its reason in {@code error/}.
 */
public class UnreadableFileException extends RuntimeException {

    public UnreadableFileException(String message, Throwable cause) {
        super(message, cause);
    }
}
