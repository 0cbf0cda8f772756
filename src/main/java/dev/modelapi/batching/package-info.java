/**
 * The dynamic batcher around Camel's Aggregator: a bounded queue that refuses when full, futures
 * that every batch completes exactly once, and a wait that holds no thread.
 */
package dev.modelapi.batching;
