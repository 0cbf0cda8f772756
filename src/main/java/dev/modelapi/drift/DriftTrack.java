package dev.modelapi.drift;

import java.util.List;
import java.util.Map;

/**
 * One watched subject (a model version or a named ensemble): its reference, fixed once known, and
 * a ring of its most recent answers. Thread-safe; an answer costs a few array writes under its lock.
 */
final class DriftTrack {

    final String kind;
    final String name;
    final String version;
    final List<String> labels;
    private final Distribution reference = new Distribution();
    private final Distribution window = new Distribution();
    private final int[] ringBuckets;
    private final String[] ringLabels;
    private final int referenceTexts;
    private String referenceSource;
    private boolean referenceFixed;
    private int next;

    /**
     * @param shipped the reference the subject ships with (its counts fixed), or null: its first
     *     {@code referenceTexts} answers become one
     */
    DriftTrack(String kind, String name, String version, List<String> labels, Reference shipped, int window,
            int referenceTexts) {
        this.kind = kind;
        this.name = name;
        this.version = version;
        this.labels = List.copyOf(labels);
        this.ringBuckets = new int[window];
        this.ringLabels = new String[window];
        this.referenceTexts = referenceTexts;
        if (shipped != null) {
            System.arraycopy(shipped.scoreCounts(), 0, reference.scores, 0, Distribution.BUCKETS);
            shipped.labelCounts().forEach((label, n) -> reference.labels.put(label, n));
            reference.texts = shipped.texts();
            referenceSource = shipped.source();
            referenceFixed = true;
        } else {
            referenceSource = "the first " + referenceTexts + " answers";
        }
    }

    /** The answers a model ships as its reference ({@code drift-reference.json}). */
    record Reference(String source, long texts, long[] scoreCounts, Map<String, Long> labelCounts) {
    }

    /** An answer: the positive label's probability and the label given. */
    synchronized void add(double positive, String label) {
        int bucket = Distribution.bucket(positive);
        if (!referenceFixed) {
            reference.add(bucket, label);
            if (reference.texts >= referenceTexts) {
                referenceFixed = true;
            }
            return;
        }
        if (window.texts == ringBuckets.length) {
            window.remove(ringBuckets[next], ringLabels[next]);
        }
        ringBuckets[next] = bucket;
        ringLabels[next] = label;
        window.add(bucket, label);
        next = (next + 1) % ringBuckets.length;
    }

    /** The index now, or NaN while the reference is not fixed or the window holds fewer than {@code minTexts}. */
    synchronized double psi(int minTexts) {
        if (!referenceFixed || window.texts < minTexts) {
            return Double.NaN;
        }
        return Distribution.psi(reference.scores, window.scores);
    }

    synchronized long windowTexts() {
        return window.texts;
    }

    /** The window's rate of the positive label (the last one), NaN while it is empty. */
    synchronized double positiveRate() {
        return window.texts == 0 ? Double.NaN
                : window.labels.getOrDefault(labels.get(labels.size() - 1), 0L) / (double) window.texts;
    }

    synchronized DriftView.Subject view(int minTexts, double threshold) {
        double psi = psi(minTexts);
        String state = !referenceFixed ? "collecting_reference"
                : Double.isNaN(psi) ? "collecting_window" : psi >= threshold ? "drifting" : "stable";
        return new DriftView.Subject(kind, version, state, Double.isNaN(psi) ? null : psi,
                new DriftView.Counts(referenceSource, reference.texts, reference.scores.clone(), reference.rates(labels)),
                new DriftView.Counts("the last " + window.texts + " answers (at most " + ringBuckets.length + ")",
                        window.texts, window.scores.clone(), window.rates(labels)));
    }
}
