package dev.modelapi.ingest.folder;

/**
 * A record of a watched-folder file that could not be answered: its tries were spent on a failure
 * that may pass, or it failed unexpectedly. The file fails with this as its reason; its chunk is
 * not checkpointed, so moving the file back into the inbox tries the record again.
 */
public class RecordFailedException extends RuntimeException {

    public RecordFailedException(String message) {
        super(message);
    }
}
