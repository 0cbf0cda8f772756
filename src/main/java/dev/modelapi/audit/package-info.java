/**
 * The audit trail: one row per answered text in {@code prediction_audit}, written in JDBC batches
 * behind a bounded queue so the database never sits on the request path. Embedded H2 by default,
 * PostgreSQL when {@code POSTGRES_URL} is set; the schema is Flyway's
 * ({@code db/migration/V1__prediction_audit.sql}, the same SQL for both).
 */
package dev.modelapi.audit;
