package dev.modelapi.ensemble;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnsembleSpecTest {

    @Test
    void shouldGiveTheSameKeyForTheSameModelsInAnyOrder() {
        EnsembleSpec one = new EnsembleSpec(List.of(new ModelRef("a", "1"), new ModelRef("b", "2")), EnsembleMethod.SOFT, Map.of());
        EnsembleSpec two = new EnsembleSpec(List.of(new ModelRef("b", "2"), new ModelRef("a", "1")), EnsembleMethod.SOFT, Map.of());

        assertThat(one.key()).isEqualTo(two.key()).isEqualTo("a:1,b:2|soft");
    }

    @Test
    void shouldGiveAnotherKeyForAnotherVersionVoteOrWeight() {
        EnsembleSpec base = new EnsembleSpec(List.of(new ModelRef("a", "1")), EnsembleMethod.WEIGHTED, Map.of("a", 1.0));

        assertThat(base.key())
                .isNotEqualTo(new EnsembleSpec(List.of(new ModelRef("a", "2")), EnsembleMethod.WEIGHTED, Map.of("a", 1.0)).key())
                .isNotEqualTo(new EnsembleSpec(List.of(new ModelRef("a", "1")), EnsembleMethod.SOFT, Map.of()).key())
                .isNotEqualTo(new EnsembleSpec(List.of(new ModelRef("a", "1")), EnsembleMethod.WEIGHTED, Map.of("a", 2.0)).key());
    }

    @Test
    void shouldSpellTheKeyAsItAlwaysHasForTheCacheEntriesOfInstancesRunningTheVersionBefore() {
        Map<String, Double> weights = new java.util.LinkedHashMap<>();
        weights.put("b", 0.5);
        weights.put("a", 1.0);
        EnsembleSpec weighted = new EnsembleSpec(List.of(new ModelRef("b", "2"), new ModelRef("a", "10"),
                new ModelRef("c", null)), EnsembleMethod.WEIGHTED, weights, 2, "pair");

        assertThat(weighted.key()).isEqualTo("a:10,b:2,c|weighted|a=1.0,b=0.5|quorum=2");
        assertThat(new EnsembleSpec(List.of(new ModelRef("a", "1")), EnsembleMethod.HARD, Map.of()).key())
                .isEqualTo("a:1|hard");
    }

    @Test
    void shouldParseModelReferences() {
        assertThat(ModelRef.parse("spam-roberta:2")).isEqualTo(new ModelRef("spam-roberta", "2"));
        assertThat(ModelRef.parse("spam-roberta")).isEqualTo(new ModelRef("spam-roberta", null));
    }
}
