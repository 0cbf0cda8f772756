/**
 * The prediction cache: answers a text from an earlier answer for the same ensemble (identical
 * texts that arrive together share one inference in the batcher's single flight). Caffeine in-process
 * by default, Redis when {@code REDIS_URL} is set, both behind Spring's cache abstraction so
 * Micrometer sees them.
 */
package dev.modelapi.cache;
