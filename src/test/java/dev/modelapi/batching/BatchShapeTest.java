package dev.modelapi.batching;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BatchShapeTest {

    private final BatchShape shape = new BatchShape(16, 256, 4);

    @Test
    void shouldRoundTheEstimatedTokensUpToAPowerOfTwo() {
        assertThat(shape.bucket(1)).isEqualTo(16);
        assertThat(shape.bucket(64)).isEqualTo(16);   // 16 tokens
        assertThat(shape.bucket(65)).isEqualTo(32);   // 17 tokens
        assertThat(shape.bucket(400)).isEqualTo(128); // 100 tokens
        assertThat(shape.bucket(513)).isEqualTo(256); // 129 tokens
    }

    @Test
    void shouldPutEveryTextOverTheBudgetInTheLastBucket() {
        assertThat(shape.bucket(1024)).isEqualTo(256);
        assertThat(shape.bucket(100_000)).isEqualTo(256);
    }

    @Test
    void shouldFitAsManyTextsAsTheTokenBudgetAllows() {
        assertThat(shape.limit(16)).isEqualTo(16);
        assertThat(shape.limit(32)).isEqualTo(8);
        assertThat(shape.limit(128)).isEqualTo(2);
        assertThat(shape.limit(256)).isEqualTo(1);
    }

    @Test
    void shouldNeverExceedMaxBatchSizeNorGoBelowOne() {
        BatchShape small = new BatchShape(4, 256, 4);
        assertThat(small.limit(16)).isEqualTo(4);
        BatchShape tiny = new BatchShape(16, 8, 4);
        assertThat(tiny.bucket(10_000)).isEqualTo(16);
        assertThat(tiny.limit(tiny.bucket(10_000))).isEqualTo(1);
    }

    @Test
    void shouldBatchByCountAloneWhenTheBudgetIsLarge() {
        BatchShape countOnly = new BatchShape(16, 1 << 20, 4);
        assertThat(countOnly.limit(countOnly.bucket(2_000))).isEqualTo(16);
    }
}
