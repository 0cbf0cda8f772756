package dev.modelapi.drift;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts of answers: the positive label's probability in {@value #BUCKETS} equal buckets over
 * [0, 1], and the labels answered.
 */
final class Distribution {

    static final int BUCKETS = 10;

    final long[] scores = new long[BUCKETS];
    final Map<String, Long> labels = new LinkedHashMap<>();
    long texts;

    static int bucket(double probability) {
        return Math.max(0, Math.min(BUCKETS - 1, (int) (probability * BUCKETS)));
    }

    void add(int bucket, String label) {
        scores[bucket]++;
        labels.merge(label, 1L, Long::sum);
        texts++;
    }

    void remove(int bucket, String label) {
        scores[bucket]--;
        labels.merge(label, -1L, Long::sum);
        texts--;
    }

    /**
     * The population stability index of {@code actual} against {@code expected}: the sum over
     * buckets of (a - e) ln(a / e) on the buckets' shares, each count plus a half so that an empty
     * bucket counts as rare rather than impossible.
     */
    static double psi(long[] expected, long[] actual) {
        double expectedTotal = total(expected) + 0.5 * expected.length;
        double actualTotal = total(actual) + 0.5 * actual.length;
        double index = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = (expected[i] + 0.5) / expectedTotal;
            double a = (actual[i] + 0.5) / actualTotal;
            index += (a - e) * Math.log(a / e);
        }
        return index;
    }

    /** Each label's share of the answers, in the order given. */
    Map<String, Double> rates(List<String> order) {
        Map<String, Double> rates = new LinkedHashMap<>();
        for (String label : order) {
            rates.put(label, texts == 0 ? 0.0 : labels.getOrDefault(label, 0L) / (double) texts);
        }
        return rates;
    }

    private static long total(long[] counts) {
        long sum = 0;
        for (long count : counts) {
            sum += count;
        }
        return sum;
    }
}
