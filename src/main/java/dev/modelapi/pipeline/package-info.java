/**
 * What travels through the Camel pipeline: the per-text {@link dev.modelapi.pipeline.PredictionTask}.
 * The exceptions a request can end in are in {@link dev.modelapi.errors}.
 */
package dev.modelapi.pipeline;
