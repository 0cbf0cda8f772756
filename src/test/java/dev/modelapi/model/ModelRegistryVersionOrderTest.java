package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRegistryVersionOrderTest {

    @Test
    void shouldOrderNumericVersionsNumericallyAndOthersAfterThem() {
        List<String> versions = new ArrayList<>(List.of("10", "b", "2", "1", "a"));

        versions.sort(ModelRegistry.VERSION_ORDER);

        assertThat(versions).containsExactly("1", "2", "10", "a", "b");
    }
}
