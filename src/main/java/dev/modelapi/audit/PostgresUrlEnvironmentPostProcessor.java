package dev.modelapi.audit;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertyResolver;
import org.springframework.util.StringUtils;

/**
 * Switches the audit database from embedded H2 to PostgreSQL when {@code POSTGRES_URL} is set. Takes
 * the JDBC form and the libpq form that hosting platforms hand out
 * ({@code postgres[ql]://user:password@host:5432/db?sslmode=require}), so neither needs rewriting.
 */
class PostgresUrlEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    static final String POSTGRES_URL = "POSTGRES_URL";
    static final String POSTGRES_USER = "POSTGRES_USER";
    static final String POSTGRES_PASSWORD = "POSTGRES_PASSWORD";

    @Override
    public int getOrder() {
        return ConfigDataEnvironmentPostProcessor.ORDER + 1;
    }

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        Map<String, Object> datasource = datasourceProperties(environment);
        if (!datasource.isEmpty()) {
            environment.getPropertySources().addFirst(new MapPropertySource("modelapi-postgres-url", datasource));
        }
    }

    /**
     * The {@code spring.datasource.*} properties for {@code POSTGRES_URL}, or none when it is unset.
     * {@code POSTGRES_USER} and {@code POSTGRES_PASSWORD}, when set, win over credentials in the URL.
     */
    static Map<String, Object> datasourceProperties(PropertyResolver environment) {
        String url = environment.getProperty(POSTGRES_URL);
        if (!StringUtils.hasText(url)) {
            return Map.of();
        }
        Connection connection = parse(url.strip());
        String username = firstWithText(environment.getProperty(POSTGRES_USER), connection.username());
        String password = firstWithText(environment.getProperty(POSTGRES_PASSWORD), connection.password());
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("spring.datasource.url", connection.jdbcUrl());
        properties.put("spring.datasource.driver-class-name", "org.postgresql.Driver");
        if (username != null) {
            properties.put("spring.datasource.username", username);
        }
        if (password != null) {
            properties.put("spring.datasource.password", password);
        }
        return properties;
    }

    record Connection(String jdbcUrl, String username, String password) {
    }

    static Connection parse(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:")) {
            return new Connection(url, null, null);
        }
        int schemeEnd = url.indexOf("://");
        String scheme = schemeEnd < 0 ? "" : lower.substring(0, schemeEnd);
        if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
            throw new IllegalArgumentException(POSTGRES_URL + " must start with jdbc:postgresql:, postgresql:// "
                    + "or postgres://, not " + (schemeEnd < 0 ? "no scheme" : scheme + "://"));
        }
        String rest = url.substring(schemeEnd + 3);
        int authorityEnd = indexOfAny(rest, "/?");
        String authority = authorityEnd < 0 ? rest : rest.substring(0, authorityEnd);
        int at = authority.lastIndexOf('@');
        if (at < 0) {
            return new Connection("jdbc:postgresql://" + rest, null, null);
        }
        String userInfo = authority.substring(0, at);
        String hostAndPath = rest.substring(at + 1);
        int colon = userInfo.indexOf(':');
        String username = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
        String password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
        return new Connection("jdbc:postgresql://" + hostAndPath, username.isEmpty() ? null : username, password);
    }

    private static int indexOfAny(String text, String characters) {
        for (int i = 0; i < text.length(); i++) {
            if (characters.indexOf(text.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    /** Percent-decoding as in a URL's user info, where {@code +} is a plus, not a space. */
    private static String decode(String text) {
        return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String firstWithText(String preferred, String fallback) {
        return StringUtils.hasText(preferred) ? preferred : fallback;
    }
}
