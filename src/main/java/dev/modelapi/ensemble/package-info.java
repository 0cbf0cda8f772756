/**
 * The ensemble: which models answer a text ({@link dev.modelapi.ensemble.EnsembleResolver}, named
 * ensembles included), one guarded route per model version from the YAML template
 * {@code model-call} ({@link dev.modelapi.ensemble.ModelCalls}) around the model call
 * ({@link dev.modelapi.ensemble.ModelInvoker}), and the vote that combines the answers of the
 * models that answered ({@link dev.modelapi.ensemble.Votes}, {@link dev.modelapi.ensemble.Voter}).
 */
package dev.modelapi.ensemble;
