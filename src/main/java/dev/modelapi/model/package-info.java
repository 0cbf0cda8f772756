/**
 * The inference core: model directories in the layout {@code djl-convert} writes, loaded with DJL's
 * PyTorch engine and served through a fixed pool of predictors, one per inference worker.
 */
package dev.modelapi.model;
