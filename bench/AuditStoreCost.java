import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.flywaydb.core.Flyway;
import org.yaml.snakeyaml.Yaml;

/**
 * What a prediction row costs the default run's in-memory audit database (bench/audit-store.sh):
 * H2 in memory with the schema the service makes (db/migration, then db/in-memory), the insert of
 * routes/audit.camel.yaml (step audit-insert-batch) in JDBC batches, and the in-memory trim of
 * {@code AuditRetention.applyInMemoryLimit} after every 300 rows, as the service trims some 300 rows
 * every 100 ms at 3,000 answers a second. One thread; per row: CPU time and bytes allocated (the
 * young garbage a row leaves) for the insert and for the trim. Then the same with the schema's
 * unique constraints dropped, to show their share (the service keeps them: ON CONFLICT needs them).
 * Prints {@code RESULT {json}} per schema.
 */
public class AuditStoreCost {

    private static final String URL =
            "jdbc:h2:mem:%s;MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_DELAY=-1";
    /** AuditRetention.applyInMemoryLimit's statement. */
    private static final String TRIM =
            "DELETE FROM prediction_audit WHERE id <= (SELECT MAX(id) FROM prediction_audit) - ?";
    private static final int IN_MEMORY_MAX_ROWS = 1000;
    private static final int TRIM_EVERY_ROWS = 300;

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        String insert = routeInsert(Path.of("routes/audit.camel.yaml"));
        run("service", insert, seconds, batchSize, List.of());
        run("without-idempotency-unique", insert, seconds, batchSize,
                List.of("ALTER TABLE prediction_audit DROP CONSTRAINT uq_prediction_audit_idempotency"));
        run("without-unique-constraints", insert, seconds, batchSize,
                List.of("ALTER TABLE prediction_audit DROP CONSTRAINT uq_prediction_audit_idempotency",
                        "ALTER TABLE prediction_audit DROP CONSTRAINT uq_prediction_audit_request_item"));
    }

    /** The SQL of step audit-insert-batch, its named parameters ({@code :#name}) as JDBC's {@code ?}. */
    @SuppressWarnings("unchecked")
    static String routeInsert(Path routes) throws Exception {
        Matcher uri = Pattern.compile("(?s)id: audit-insert-batch\\s+uri: >-\\s+sql:(.*?)\\s+parameters:")
                .matcher(Files.readString(routes));
        if (!uri.find()) {
            throw new IllegalStateException("no step audit-insert-batch in " + routes);
        }
        // folded (>-) as YAML folds it
        String folded = ((Map<String, Object>) new Yaml().load("sql: >-\n  " + uri.group(1).replace("\n", "\n  ")))
                .get("sql").toString();
        return folded.replaceAll(":#\\w+", "?");
    }

    static void run(String schema, String insert, int seconds, int batchSize, List<String> alterations)
            throws Exception {
        String url = URL.formatted("audit_" + schema.replace('-', '_'));
        Flyway.configure().dataSource(url, "sa", "")
                .locations("filesystem:src/main/resources/db/migration", "filesystem:src/main/resources/db/in-memory")
                .load().migrate();
        try (Connection writer = DriverManager.getConnection(url, "sa", "");
                Connection housekeeping = DriverManager.getConnection(url, "sa", "");
                PreparedStatement rows = writer.prepareStatement(insert);
                PreparedStatement trim = housekeeping.prepareStatement(TRIM)) {
            try (Statement alter = writer.createStatement()) {
                for (String alteration : alterations) {
                    alter.execute(alteration);
                }
            }
            var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long thread = Thread.currentThread().getId();
            long warmUpEnd = System.nanoTime() + 5_000_000_000L;
            long end = warmUpEnd + seconds * 1_000_000_000L;
            boolean measuring = false;
            long written = 0, measured = 0, sinceTrim = 0;
            long insertCpu = 0, trimCpu = 0, insertBytes = 0, trimBytes = 0;
            String models = "spam-distilbert:1,phishing-bert:1,injection-roberta:1";
            String sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
            while (System.nanoTime() < end) {
                if (!measuring && System.nanoTime() > warmUpEnd) {
                    measuring = true;
                }
                long cpu = threads.getCurrentThreadCpuTime();
                long bytes = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < batchSize; i++) {
                    int p = 1;
                    rows.setString(p++, UUID.randomUUID().toString()); // request_id
                    rows.setInt(p++, 0);                                  // item_index
                    rows.setObject(p++, OffsetDateTime.now(ZoneOffset.UTC));
                    rows.setString(p++, "http");
                    rows.setString(p++, "bench");
                    rows.setString(p++, models);
                    rows.setString(p++, sha256);
                    rows.setInt(p++, 120);                                // input_length
                    rows.setString(p++, "spam");
                    rows.setDouble(p++, 0.93);
                    rows.setBoolean(p++, true);                           // cached
                    rows.setInt(p++, 1);                                  // batch_size
                    rows.setLong(p++, 0);                                 // latency_ms
                    rows.setBoolean(p++, false);                          // degraded
                    for (; p <= 19; p++) {                                // failed_models .. input_text
                        rows.setString(p, null);
                    }
                    rows.addBatch();
                }
                rows.executeBatch();
                written += batchSize;
                sinceTrim += batchSize;
                if (measuring) {
                    insertCpu += threads.getCurrentThreadCpuTime() - cpu;
                    insertBytes += threads.getThreadAllocatedBytes(thread) - bytes;
                    measured += batchSize;
                }
                if (sinceTrim >= TRIM_EVERY_ROWS) {
                    sinceTrim = 0;
                    cpu = threads.getCurrentThreadCpuTime();
                    bytes = threads.getThreadAllocatedBytes(thread);
                    trim.setInt(1, IN_MEMORY_MAX_ROWS);
                    trim.executeUpdate();
                    if (measuring) {
                        trimCpu += threads.getCurrentThreadCpuTime() - cpu;
                        trimBytes += threads.getThreadAllocatedBytes(thread) - bytes;
                    }
                }
            }
            long kept;
            try (Statement count = writer.createStatement();
                    ResultSet result = count.executeQuery("SELECT COUNT(*) FROM prediction_audit")) {
                result.next();
                kept = result.getLong(1);
            }
            System.out.printf(
                    "RESULT {\"schema\": \"%s\", \"batch_size\": %d, \"rows\": %d, \"rows_kept\": %d, "
                            + "\"insert_us_per_row\": %.2f, \"trim_us_per_row\": %.2f, "
                            + "\"insert_bytes_per_row\": %d, \"trim_bytes_per_row\": %d}%n",
                    schema, batchSize, measured, kept, insertCpu / 1000.0 / measured, trimCpu / 1000.0 / measured,
                    insertBytes / measured, trimBytes / measured);
        }
    }
}
