package dev.modelapi.batching;

/**
 * Length-aware batch forming. On a CPU a batch is padded to its longest text and attention grows
 * with the square of the length, so long texts run fastest one at a time while short texts gain
 * from large batches (docs/performance.md). A text's length in tokens is estimated from its
 * characters, rounded up to a power of two (its bucket), and a batch of a bucket holds at most
 * {@code maxBatchTokens / bucket} texts, never more than {@code maxBatchSize} and never fewer than one.
 */
record BatchShape(int maxBatchSize, int maxBatchTokens, int charsPerToken) {

    /** The smallest bucket: below it a text's length hardly changes the cost of a forward. */
    static final int MIN_BUCKET = 16;

    public static BatchShape of(BatchingProperties settings) {
        return new BatchShape(settings.maxBatchSize(), settings.maxBatchTokens(), settings.charsPerToken());
    }

    /** The estimated tokens of a text of this many characters, rounded up to a power of two, at most the budget. */
    public int bucket(int characters) {
        int tokens = Math.max(1, (characters + charsPerToken - 1) / charsPerToken);
        if (tokens >= maxBatchTokens) {
            return Math.max(MIN_BUCKET, maxBatchTokens);
        }
        int bucket = Integer.highestOneBit(Math.max(1, tokens - 1)) << 1;
        return Math.max(MIN_BUCKET, Math.min(bucket, maxBatchTokens));
    }

    /** How many texts of a bucket one batch holds. */
    public int limit(int bucket) {
        return Math.max(1, Math.min(maxBatchSize, maxBatchTokens / bucket));
    }
}
