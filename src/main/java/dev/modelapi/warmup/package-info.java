/**
 * The start-up warm-up of the request path: the service's own requests through HTTP and every
 * route, before readiness says it can take traffic, so that its first users do not meet a JVM
 * that is still compiling.
 */
package dev.modelapi.warmup;
