/**
 * What operators see: log lines with personal data redacted
 * ({@link dev.modelapi.observability.RedactingMessageConverter}).
 */
package dev.modelapi.observability;
