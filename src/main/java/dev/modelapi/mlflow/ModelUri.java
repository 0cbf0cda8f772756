package dev.modelapi.mlflow;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry model URI, {@code models:/<name>/<version>} or {@code models:/<name>@<alias>}; exactly
 * one of {@code version} and {@code alias} is set.
 */
record ModelUri(String name, String version, String alias) {

    private static final Pattern FORM = Pattern.compile("models:/([^/@]{1,256})(?:/(\\d{1,18})|@([A-Za-z0-9_-]{1,256}))");

    /** @throws IllegalArgumentException when {@code source} is neither form */
    static ModelUri parse(String source) {
        Matcher matcher = FORM.matcher(source == null ? "" : source.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("\"" + source + "\" is not models:/<name>/<version> or models:/<name>@<alias>");
        }
        return new ModelUri(matcher.group(1), matcher.group(2), matcher.group(3));
    }

    @Override
    public String toString() {
        return "models:/" + name + (alias == null ? "/" + version : "@" + alias);
    }
}
