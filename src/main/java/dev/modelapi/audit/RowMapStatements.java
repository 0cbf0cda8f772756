package dev.modelapi.audit;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.Exchange;
import org.apache.camel.component.sql.DefaultSqlPrepareStatementStrategy;

/**
 * camel-sql's statement strategy for the audit's batch inserts, whose rows are maps of the insert's
 * named parameters: camel-sql's own parses the query's names again for every row, with a regular
 * expression, and looks each name up in the body, the headers and the variables in turn
 * (docs/performance.md). This one reads a row's values from its map in the order of the names,
 * parsed once for the last query it saw; a row without one of the names, and a query with
 * expressions or IN lists, go camel-sql's way.
 */
final class RowMapStatements extends DefaultSqlPrepareStatementStrategy {

    /** {@code :#name} as camel-sql hands the query over, its placeholder {@code #} made {@code ?}. */
    private static final Pattern NAME = Pattern.compile(":\\?(\\w+)");

    /** The names of the last query (one entry: the two inserts that use this take turns rarely). */
    private volatile Names last = new Names("", null);

    @Override
    public Iterator<?> createPopulateIterator(String query, String preparedQuery, int expectedParams,
            Exchange exchange, Object value) throws SQLException {
        if (value instanceof Map<?, ?> row) {
            List<String> names = namesOf(query);
            if (names != null && names.size() == expectedParams) {
                Object[] values = new Object[names.size()];
                for (int i = 0; i < values.length; i++) {
                    String name = names.get(i);
                    if (!row.containsKey(name)) {
                        // a header or a variable of that name, or camel-sql's error naming it
                        return super.createPopulateIterator(query, preparedQuery, expectedParams, exchange, value);
                    }
                    values[i] = row.get(name);
                }
                return Arrays.asList(values).iterator();
            }
        }
        return super.createPopulateIterator(query, preparedQuery, expectedParams, exchange, value);
    }

    /** The query's parameter names in order, or null where camel-sql's way is needed (or it has none). */
    List<String> namesOf(String query) {
        Names names = last;
        if (!query.equals(names.query())) {
            names = new Names(query, parse(query));
            last = names;
        }
        return names.names();
    }

    static List<String> parse(String query) {
        if (query.contains(":?$") || query.contains(":?in:")) {
            return null; // simple expressions and IN lists: camel-sql evaluates them per row
        }
        List<String> names = new ArrayList<>();
        Matcher matcher = NAME.matcher(query);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names.isEmpty() ? null : List.copyOf(names);
    }

    private record Names(String query, List<String> names) {
    }
}
