package dev.modelapi.securityevents;

import java.time.Instant;

/**
 * One row of the {@code security_event} table. Never holds an API key: an unknown or disabled key
 * appears only as {@code keyId}, the first 12 hex digits of its SHA-256, so that repeated tries with
 * one key can be told apart from many keys.
 *
 * @param eventId a random UUID: a batch written twice (a retried batch, a drained spool file) keeps one row
 * @param createdAt when it happened
 * @param kind {@code refused}, {@code command} or {@code burst}
 * @param reason why or what: a {@link Reason}'s wire name
 * @param outcome {@code refused}, {@code done}, {@code failed} (a command the service answered with an error) or {@code detected}
 * @param status the status the caller was answered (HTTP's, also for gRPC and the other channels); 0 for a burst
 * @param channel {@code http}, {@code grpc}, {@code jms}, {@code kafka}, {@code folder}
 * @param principal the key holder's name when the key is known (also a disabled one), else null
 * @param source the client's address where the channel has one
 * @param keyId the first 12 hex digits of the SHA-256 of a key that was not admitted, else null
 * @param target what was asked for: {@code POST /api/v1/models/spam/load}, a model name, {@code ModelInfer}
 * @param requestId the request's id
 * @param detail what the caller was told, or what a command did
 */
public record SecurityEvent(String eventId, Instant createdAt, String kind, String reason, String outcome,
        int status, String channel, String principal, String source, String keyId, String target, String requestId,
        String detail) {
}
