package dev.modelapi.ensemble;

import java.util.Map;

/** One model's answer to one text, as the response and the audit show it. */
public record ModelVote(String name, String version, String label, Map<String, Double> probabilities) {
}
