package dev.modelapi.ingest.grpc;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The Open Inference Protocol's gRPC API ({@code modelapi.grpc.*}, routes/ingress-grpc.camel.yaml).
 *
 * @param enabled whether the gRPC server runs
 * @param host the address it binds
 * @param port its port (8081: KServe's gRPC port, next to HTTP's 8080)
 * @param maxInFlight calls being answered at once; one more is refused at once with
 *     {@code RESOURCE_EXHAUSTED}. camel-grpc holds a thread of gRPC's executor for each call until
 *     its route ends, so this bounds those threads too
 * @param maxMessageBytes the largest request message in bytes (4 MiB, gRPC's default); larger is
 *     refused by gRPC itself ({@code RESOURCE_EXHAUSTED}). A count of bytes, not a size with a
 *     unit: the route passes it to camel-grpc as it is
 */
@Validated
@ConfigurationProperties("modelapi.grpc")
record GrpcProperties(
        @DefaultValue("true") boolean enabled,
        @NotBlank @DefaultValue("0.0.0.0") String host,
        @Min(1) @Max(65535) @DefaultValue("8081") int port,
        @Min(1) @Max(4096) @DefaultValue("128") int maxInFlight,
        @Min(1024) @DefaultValue("4194304") int maxMessageBytes) {
}
