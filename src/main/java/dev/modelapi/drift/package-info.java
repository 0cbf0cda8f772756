/**
 * Drift of the models' inputs, seen in their answers: per model version and per named ensemble, the
 * positive label's probability over recent answers against a reference (the held-out set's, shipped
 * with the model as {@code drift-reference.json}, or the first answers after a version's first use),
 * compared by the population stability index; and the label rates. Exported as metrics, shown by
 * {@code GET /api/v1/models/{name}/drift}.
 */
package dev.modelapi.drift;
