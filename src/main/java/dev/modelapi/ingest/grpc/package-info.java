/** The Open Inference Protocol's gRPC service (routes/ingress-grpc.camel.yaml) on the shared pipeline. */
package dev.modelapi.ingest.grpc;
