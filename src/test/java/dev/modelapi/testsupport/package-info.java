/**
 * Real PostgreSQL and Redis for tests, started from embedded binaries once per JVM (no Docker).
 * Put {@link dev.modelapi.testsupport.RealServices @RealServices} on a {@code @SpringBootTest} to run
 * the application against both.
 */
package dev.modelapi.testsupport;
