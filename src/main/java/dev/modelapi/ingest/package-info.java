/**
 * Ingress: what every channel shares (reading a prediction request into pipeline tasks, the
 * answers, the failures and their redelivery policies) and the HTTP channels, the REST API and
 * the Open Inference Protocol (request id, content type, JSON answers and errors, overload). The
 * other channels have a package each ({@code jms}, {@code kafka}, {@code folder}, {@code grpc}),
 * which use this one and never each other.
 */
package dev.modelapi.ingest;
