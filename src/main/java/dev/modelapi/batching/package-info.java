/**
 * The dynamic batcher around Camel's Aggregator, and the one owner of a text's pending answer
 * ({@link dev.modelapi.batching.PendingAnswers}): made or shared with an identical text in flight
 * (single flight), queued on a bounded queue that refuses when full, completed exactly once by its
 * batch or its request timeout, and awaited without a thread.
 */
package dev.modelapi.batching;
