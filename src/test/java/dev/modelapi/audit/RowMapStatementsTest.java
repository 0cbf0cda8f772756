package dev.modelapi.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.RuntimeExchangeException;
import org.apache.camel.component.sql.DefaultSqlPrepareStatementStrategy;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every row bound as camel-sql's own strategy binds it, by the names parsed once. */
class RowMapStatementsTest {

    /** The shape of the audit insert as camel-sql hands it over (its placeholder # made ?). */
    private static final String INSERT = "INSERT INTO prediction_audit (request_id, item_index, label, pii) "
            + "VALUES (:?requestId, :?itemIndex, :?label, :?pii) ON CONFLICT DO NOTHING";

    private static CamelContext camel;

    private final RowMapStatements statements = new RowMapStatements();
    private final DefaultSqlPrepareStatementStrategy camelSql = new DefaultSqlPrepareStatementStrategy();

    @BeforeAll
    static void start() {
        camel = new DefaultCamelContext();
        camel.start();
    }

    @AfterAll
    static void stop() {
        camel.stop();
    }

    @Test
    void shouldBindARowsValuesInTheStatementsOrderAsCamelSqlDoes() throws SQLException {
        Map<String, Object> row = row("r-1", 0, "spam");
        row.put("pii", null);
        Exchange exchange = new DefaultExchange(camel);

        List<Object> bound = bind(statements, INSERT, exchange, row);

        assertThat(bound).containsExactly("r-1", 0, "spam", null)
                .isEqualTo(bind(camelSql, INSERT, exchange, row));
    }

    @Test
    void shouldReadANameTheRowLacksFromTheHeadersAsCamelSqlDoes() throws SQLException {
        Map<String, Object> row = row("r-2", 1, "ham"); // no pii
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setHeader("pii", "email");

        assertThat(bind(statements, INSERT, exchange, row)).containsExactly("r-2", 1, "ham", "email")
                .isEqualTo(bind(camelSql, INSERT, exchange, row));
    }

    @Test
    void shouldRefuseANameFoundNowhereAsCamelSqlDoes() {
        Map<String, Object> row = row("r-3", 0, "ham");
        Exchange exchange = new DefaultExchange(camel);

        assertThatThrownBy(() -> bind(statements, INSERT, exchange, row))
                .isInstanceOf(RuntimeExchangeException.class).hasMessageContaining("Cannot find key [pii]");
        assertThatThrownBy(() -> bind(camelSql, INSERT, exchange, row))
                .isInstanceOf(RuntimeExchangeException.class).hasMessageContaining("Cannot find key [pii]");
    }

    @Test
    void shouldLeaveSimpleExpressionsToCamelSql() throws SQLException {
        String query = "INSERT INTO t (a, b) VALUES (:?${body[label]}, :?requestId)";
        Map<String, Object> row = row("r-4", 0, "spam");
        Exchange exchange = new DefaultExchange(camel);

        assertThat(RowMapStatements.parse(query)).isNull();
        assertThat(bind(statements, query, exchange, row)).containsExactly("spam", "r-4")
                .isEqualTo(bind(camelSql, query, exchange, row));
    }

    @Test
    void shouldParseTheNamesOnceForTheSameQueryAndAgainForAnother() {
        List<String> names = statements.namesOf(INSERT);
        String other = "INSERT INTO security_event (event_id) VALUES (:?eventId)";

        assertThat(names).containsExactly("requestId", "itemIndex", "label", "pii");
        assertThat(statements.namesOf(new String(INSERT))).isSameAs(names);
        assertThat(statements.namesOf(other)).containsExactly("eventId");
        assertThat(RowMapStatements.parse("DELETE FROM t")).isNull();
    }

    private static Map<String, Object> row(String requestId, int itemIndex, String label) {
        Map<String, Object> row = new HashMap<>();
        row.put("requestId", requestId);
        row.put("itemIndex", itemIndex);
        row.put("label", label);
        return row;
    }

    /** The values the strategy would set on the statement for one batch row, in order. */
    private static List<Object> bind(DefaultSqlPrepareStatementStrategy strategy, String query, Exchange exchange,
            Map<String, Object> row) throws SQLException {
        String prepared = strategy.prepareQuery(query, true, exchange);
        int expected = prepared.length() - prepared.replace("?", "").length();
        Iterator<?> values = strategy.createPopulateIterator(query, prepared, expected, exchange, row);
        List<Object> bound = new ArrayList<>();
        values.forEachRemaining(bound::add);
        return bound;
    }
}
