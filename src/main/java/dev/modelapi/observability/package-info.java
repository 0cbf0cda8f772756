/**
 * What operators see: log lines with personal data redacted
 * ({@link dev.modelapi.observability.RedactingMessageConverter}), traces, and the route meters
 * ({@link dev.modelapi.observability.RouteMeters}).
 */
package dev.modelapi.observability;
