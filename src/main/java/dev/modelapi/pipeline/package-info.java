/**
 * What travels through the Camel pipeline: the per-text {@link dev.modelapi.pipeline.PredictionTask}
 * and the exceptions a request can end in, one family so that error routes can branch on type.
 */
package dev.modelapi.pipeline;
