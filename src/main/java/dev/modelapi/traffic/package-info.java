/**
 * Traffic policies the YAML routes apply: an A/B split of a model's requests between versions,
 * and a shadow model that sees a copy of the traffic but never answers.
 */
package dev.modelapi.traffic;
