package dev.modelapi.ingest.folder;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.springframework.stereotype.Component;

/**
 * The aggregation of the {@code folder-chunk} split (routes/ingress-folder.camel.yaml): each
 * record's line of results at its place in the chunk, whatever order the records were answered
 * in (they run in parallel so that they share batches); the chunk's body becomes the lines in
 * record order, for the checkpoint. Every record's exchange ends handled (its error clauses answer
 * it with an error line, or mark it given up), so the split never stops part-way.
 */
@Component("folderChunkResults")
class FolderChunkResults implements AggregationStrategy {

    private static final String LINES = "folderChunkLines";

    @Override
    @SuppressWarnings("unchecked")
    public Exchange aggregate(Exchange chunk, Exchange record) {
        // a new exchange, never a record's: one refused by an error clause carries its handled
        // failure, which copied back onto the file's exchange would end the file's route there
        Exchange into = chunk != null ? chunk : new DefaultExchange(record.getContext());
        TreeMap<Integer, Object> lines = into.getProperty(LINES, TreeMap.class);
        if (lines == null) {
            lines = new TreeMap<>();
            into.setProperty(LINES, lines);
        }
        // a line of results, or the record's FolderFiles.GaveUp
        lines.put(record.getProperty(Exchange.SPLIT_INDEX, Integer.class), record.getIn().getBody());
        return into;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onCompletion(Exchange chunk, Exchange original) {
        if (chunk != null) {
            TreeMap<Integer, Object> lines = chunk.getProperty(LINES, TreeMap.class);
            chunk.getIn().setBody(lines == null ? List.of() : new ArrayList<>(lines.values()));
            chunk.removeProperty(LINES);
        }
    }
}
