/**
 * Ingress: reading prediction requests into pipeline tasks, and what is HTTP about them (request
 * id, content type, JSON answers and errors).
 */
package dev.modelapi.ingest;
