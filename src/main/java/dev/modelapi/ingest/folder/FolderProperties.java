package dev.modelapi.ingest.folder;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The watched-folder ingress ({@code modelapi.folder.*}, routes/ingress-folder.camel.yaml).
 *
 * @param enabled whether the inbox is watched
 * @param inbox where {@code .jsonl} and {@code .csv} files are dropped; they move to its
 *        {@code done/} or {@code error/} subfolder when finished
 * @param outbox where each file's results appear, under the same name, once the whole file is done
 * @param chunkRecords records sent through the pipeline together (they may share batches)
 * @param csvTextColumn the CSV column holding the text (the first row names the columns)
 * @param tries tries of a record that fails for a passing reason (models or queue busy) before
 *        the file is given up; it resumes where it stopped when moved back into the inbox
 * @param retryDelay the wait before a record's next try (Camel redelivery, policy folderRedelivery)
 * @param progressInterval how often a file's progress is logged
 */
@Validated
@ConfigurationProperties("modelapi.folder")
record FolderProperties(
        @DefaultValue("true") boolean enabled,
        @NotNull Path inbox,
        @NotNull Path outbox,
        @Positive @Max(1024) @DefaultValue("64") int chunkRecords,
        @NotBlank @DefaultValue("text") String csvTextColumn,
        @Min(1) @DefaultValue("3") int tries,
        @NotNull @DefaultValue("2s") Duration retryDelay,
        @NotNull @DefaultValue("5s") Duration progressInterval) {
}
