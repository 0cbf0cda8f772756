/**
 * The ensemble: which models answer a text ({@link dev.modelapi.ensemble.EnsembleResolver}), one
 * bean call per model in the multicast ({@link dev.modelapi.ensemble.ModelInvoker}), and the vote
 * that combines their answers ({@link dev.modelapi.ensemble.Votes}).
 */
package dev.modelapi.ensemble;
