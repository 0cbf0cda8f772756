package dev.modelapi.ensemble;

/**
 * A model named in a request or a configuration: {@code name} or {@code name:version}. A null
 * version means the default version, resolved before a request reaches the batcher.
 */
public record ModelRef(String name, String version) {

    public static ModelRef parse(String text) {
        int colon = text.indexOf(':');
        if (colon < 0) {
            return new ModelRef(text.strip(), null);
        }
        return new ModelRef(text.substring(0, colon).strip(), text.substring(colon + 1).strip());
    }

    @Override
    public String toString() {
        return version == null ? name : name + ":" + version;
    }
}
