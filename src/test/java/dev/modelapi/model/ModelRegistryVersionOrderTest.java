package dev.modelapi.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelRegistryVersionOrderTest {

    @Test
    void shouldOrderNumericVersionsNumericallyAndOthersAfterThem() {
        List<String> versions = new ArrayList<>(List.of("10", "b", "2", "1-int8", "1", "a", "09"));

        versions.sort(ModelRegistry.VERSION_ORDER);

        assertThat(versions).containsExactly("1", "2", "09", "10", "1-int8", "a", "b");
    }

    /** The loop-based order agrees, pair by pair, with the order written as comparators (how it read before). */
    @Test
    void shouldAgreeWithTheOrderItsDocumentationDescribes() {
        Comparator<String> described = Comparator
                .comparing((String v) -> !v.chars().allMatch(Character::isDigit))
                .thenComparing(v -> v.chars().allMatch(Character::isDigit) ? v.length() : 0)
                .thenComparing(Comparator.naturalOrder());
        List<String> versions = List.of("", "0", "1", "2", "9", "10", "09", "100", "1-int8", "2-int8", "a", "B", "v2",
                "1.0", "١", "12a");

        for (String a : versions) {
            for (String b : versions) {
                assertThat(Integer.signum(ModelRegistry.VERSION_ORDER.compare(a, b)))
                        .as("%s against %s", a, b).isEqualTo(Integer.signum(described.compare(a, b)));
            }
        }
    }
}
