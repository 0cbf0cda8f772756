/** The Kafka channel (routes/ingress-kafka.camel.yaml): its settings, steps and redelivery policy. */
package dev.modelapi.ingest.kafka;
